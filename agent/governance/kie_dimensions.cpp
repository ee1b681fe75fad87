#include "agent/governance/kie_dimensions.hpp"

#include <algorithm>

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

std::vector<KieDimension> kie_dimensions(std::span<const GovernanceIdentity> identities) {
    if (identities.empty()) {
        return kie_dimensions(GovernanceIdentity{});
    }
    std::vector<KieDimension> out;
    for (const char* kind : {"app", "service", "version"}) {
        std::vector<KieDimension> of_kind;
        for (const auto& identity : identities) {
            for (auto& dimension : kie_dimensions(identity)) {
                const bool seen = std::any_of(of_kind.begin(), of_kind.end(), [&](const auto& d) {
                    return d.labels == dimension.labels;
                });
                if (dimension.name == kind && !seen) {
                    of_kind.push_back(std::move(dimension));
                }
            }
        }
        for (auto& dimension : of_kind) {
            if (of_kind.size() > 1) {
                std::string qualifier;
                std::string environment;
                for (const auto& [key, value] : dimension.labels) {
                    if (key == "environment") {
                        environment = value;
                    } else {
                        qualifier += (qualifier.empty() ? "" : "/") + value;
                    }
                }
                dimension.name += ":" + qualifier + (environment.empty() ? "" : "@" + environment);
            }
            out.push_back(std::move(dimension));
        }
    }
    return out;
}

}  // namespace scagent::governance
