#pragma once

#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

/// `servicecomb.loadbalance.<name>`: which load balancer serves the matched traffic.
struct LoadBalanceConfig {
    PolicyMeta meta;
    std::string rule;  // a name from scagent::plugins::lb::builtin_load_balancers()

    bool operator==(const LoadBalanceConfig&) const = default;
};

/// Rejects a missing or unknown `rule`, listing the known ones.
std::shared_ptr<const LoadBalanceConfig> parse_loadbalance(const YAML::Node& root, std::string name,
                                                           ItemErrors& errors);

}  // namespace scagent::plugins::governance
