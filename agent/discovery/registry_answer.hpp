#pragma once

#include <string>
#include <vector>

#include "agent/discovery/cached_set.hpp"
#include "plugins/registry/servicecomb/model.hpp"

namespace scagent::discovery {

/// A find answer of the registry as the cache stores it. Instances without an id are dropped
/// (nothing could refer to them); a missing status reads as UP, SC's default.
LiveResult to_live_result(std::vector<plugins::servicecomb::MicroServiceInstance> instances,
                          std::string revision);

/// The registry says the service does not exist (400012).
LiveResult not_found_result();

}  // namespace scagent::discovery
