#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/api/discovery_responses.hpp"
#include "agent/net/route_types.hpp"

namespace scagent::api {

/// Who may use the local API (agent.yaml `api:` and `listen.api`).
struct ApiAccess {
    /// The listen address; its host is accepted in Host. A wildcard (0.0.0.0, ::) accepts any
    /// IP literal instead: only a DNS name can be rebound to the agent.
    std::string listen;
    /// Host header values accepted besides those ("agent.internal", "agent.internal:30102").
    std::vector<std::string> allowed_hosts;
    /// When set, PUT, POST, PATCH and DELETE need `Authorization: Bearer <token>`.
    std::string token;
};

/// Why a request may not reach any route, checked before routing: 403 FORBIDDEN_HOST when its
/// Host names something other than a loopback name or address, the listen address or an allowed
/// host (a web page that rebinds its own name to 127.0.0.1 sends its own name); 401 UNAUTHORIZED
/// when a token is set and a mutating request does not carry it. nullopt: allowed. A request
/// without Host (HTTP/1.0 tools; browsers always send one) is allowed.
std::optional<ApiError> refused_access(const net::RouteContext& ctx, const ApiAccess& access);

}  // namespace scagent::api
