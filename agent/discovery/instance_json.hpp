#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "agent/discovery/cached_set.hpp"
#include "plugins/api/instance.hpp"

namespace scagent::discovery {

/// An instance as the local API answers it and the disk snapshot stores it:
/// {"instanceId","serviceId","version","endpoints","host","port","status","properties",
///  "dataCenterInfo":{"name","region","availableZone"}}.
nlohmann::json instance_to_json(const plugins::Instance& instance, const DataCenterInfo& center);

/// The inverse of instance_to_json, strict about types: every key must be present with its
/// type (properties values are strings). On failure returns false and says which key in *error.
bool instance_from_json(const nlohmann::json& json, plugins::Instance& instance,
                        DataCenterInfo& center, std::string* error);

}  // namespace scagent::discovery
