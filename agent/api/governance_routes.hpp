#pragma once

#include <nlohmann/json.hpp>

#include <functional>

#include "agent/governance/governance_view.hpp"
#include "agent/net/http_router.hpp"

namespace scagent::api {

/// GET /v1/agent/governance: the effective governance (agent-interface.md). `view` is the
/// store's lock-free view(); called from any connection's thread.
void add_governance_routes(net::HttpRouter& router,
                           std::function<governance::GovernanceViewPtr()> view);

/// The body: {"generation", "localService", "sources":[...], "items":[{key, kind, name, source,
/// revision, status: ok|rejected|ignored, errors, notes, spec}], "counts":{kind:{...}},
/// "effective":{kind:[names in evaluation order]}}.
nlohmann::json governance_json(const governance::GovernanceView& view);

}  // namespace scagent::api
