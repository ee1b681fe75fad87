#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "agent/governance/governance_inputs.hpp"

namespace scagent::governance {

/// The governance part ("extra") of the provider cache's disk snapshot, so that a restart during
/// a config-center outage keeps the rules: [{"key","value","source","revision"}, ...].
nlohmann::json inputs_to_json(const std::vector<RawInput>& inputs);

/// The inverse of inputs_to_json. The snapshot file is checksummed, but it may come from another
/// version of the agent: entries that are not objects with string key/value/source are skipped,
/// never thrown on.
std::vector<RawInput> inputs_from_json(const nlohmann::json& json);

}  // namespace scagent::governance
