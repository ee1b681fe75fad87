#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "plugins/api/clock.hpp"
#include "plugins/api/instance.hpp"
#include "plugins/governance/circuit_breaker.hpp"

namespace scagent::plugins::governance {

/// `servicecomb.instanceIsolation.<name>`: one circuit breaker per provider instance (spec
/// §4.3). An instance whose breaker refuses calls is "isolated": load balancers skip it.
/// Thread-safe; the map lock is held only to find or create an instance's breaker.
class InstanceIsolation {
  public:
    InstanceIsolation(std::shared_ptr<const CircuitBreakerConfig> config, Clock& clock)
        : config_(std::move(config)), clock_(clock) {}

    /// Asks to call `instance_id`; in half-open this takes one of its trial calls.
    bool try_acquire(std::string_view instance_id);
    /// Feeds the result of a call to `instance_id` that `try_acquire` admitted.
    void record(std::string_view instance_id, const CallOutcome& outcome);
    /// The instances that would be refused right now, for `LoadBalancer::pick`.
    Excluded isolated() const;
    /// Adds the isolated instances to `excluded` (avoids a copy on the proxy path).
    void add_isolated(Excluded& excluded) const;
    BreakerState state(std::string_view instance_id) const;
    /// Forgets instances that are no longer registered.
    void retain_only(std::span<const Instance> live);
    const CircuitBreakerConfig& config() const noexcept { return *config_; }

  private:
    std::shared_ptr<CircuitBreaker> breaker(std::string_view instance_id);
    std::shared_ptr<CircuitBreaker> find(std::string_view instance_id) const;

    std::shared_ptr<const CircuitBreakerConfig> config_;
    Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<CircuitBreaker>, std::less<>> breakers_;
};

}  // namespace scagent::plugins::governance
