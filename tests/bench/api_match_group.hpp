#pragma once

#include <string>
#include <vector>

#include "plugins/governance/snapshot.hpp"

namespace scagent::bench {

/// Adds match group number `i` of the benchmarks' worst case (one group per API version, only
/// its own prefix matches) and returns its name, for the policies bound to it.
inline std::string add_api_match_group(std::vector<plugins::governance::GovernanceInput>& inputs,
                                       int i) {
    std::string name = "g" + std::to_string(1000 + i);
    inputs.push_back({"servicecomb.matchGroup." + name,
                      "matches:\n  - apiPath:\n      prefix: /api/v" + std::to_string(i) +
                          "/\n    method: [GET, POST]\n",
                      "bench"});
    return name;
}

}  // namespace scagent::bench
