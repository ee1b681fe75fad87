#include "agent/governance/kie_dimensions.hpp"

namespace scagent::governance {

std::vector<KieDimension> kie_dimensions(const GovernanceIdentity& identity) {
    std::vector<KieDimension> dimensions;
    dimensions.push_back({"app", {{"app", identity.app}, {"environment", identity.environment}}});
    if (identity.service.empty()) {
        return dimensions;
    }
    dimensions.push_back({"service",
                          {{"app", identity.app},
                           {"service", identity.service},
                           {"environment", identity.environment}}});
    if (identity.version.empty()) {
        return dimensions;
    }
    dimensions.push_back({"version",
                          {{"app", identity.app},
                           {"service", identity.service},
                           {"environment", identity.environment},
                           {"version", identity.version}}});
    return dimensions;
}

}  // namespace scagent::governance
