#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "plugins/api/rng.hpp"
#include "plugins/lb/load_balancer.hpp"

namespace scagent::plugins::lb {

/// The rule names `servicecomb.loadbalance.*` may use, in the order of the builtin list:
/// RoundRobin, Random, WeightedResponse, SessionStickiness (java-chassis and go-chassis names),
/// then LeastRequest and ConsistentHash (sc-agent additions).
std::span<const std::string_view> builtin_load_balancers() noexcept;
bool is_known_load_balancer(std::string_view rule) noexcept;
/// "RoundRobin, Random, ..." for error messages.
std::string known_load_balancer_names();

struct LoadBalancerOrError {
    std::unique_ptr<LoadBalancer> balancer;
    std::string error;  // set iff balancer is null
};

/// Builds the balancer named `rule`; `rng` feeds the ones that draw (each owns its own).
LoadBalancerOrError make_load_balancer(std::string_view rule, std::unique_ptr<Rng> rng);

}  // namespace scagent::plugins::lb
