#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "plugins/api/clock.hpp"
#include "plugins/api/instance.hpp"
#include "plugins/governance/circuit_breaker.hpp"

namespace scagent::plugins::governance {

/// `servicecomb.instanceIsolation.<name>` (spec §4.3), or the built-in default policy when no
/// rule matches (GovernedSelector): one circuit breaker per provider instance. An instance whose
/// breaker refuses calls is "isolated": load balancers skip it.
///
/// Invariant: a breaker exists only for an instance that was selected or reported; callers
/// report only cached instances and prune with retain_only, so the map is bounded by the cache.
/// Thread-safe; the map lock is held only to find or create an instance's breaker, and not at
/// all by add_isolated() while every breaker is closed (the common case: each breaker counts
/// itself in `not_closed_` while it is open or half-open).
class InstanceIsolation {
  public:
    InstanceIsolation(std::shared_ptr<const CircuitBreakerConfig> config, Clock& clock)
        : config_(std::move(config)), clock_(clock) {}

    /// The breaker of `instance_id`, made on first use: an event loop keeps it, and asks it
    /// directly (LoopSelector) instead of looking it up here on every call.
    std::shared_ptr<CircuitBreaker> breaker(std::string_view instance_id);

    /// Asks to call `instance_id`; in half-open this takes one of its trial calls.
    bool try_acquire(std::string_view instance_id);
    /// Feeds the result of a call to `instance_id` that `try_acquire` admitted. True when this
    /// outcome isolated the instance (its breaker opened).
    bool record(std::string_view instance_id, const CallOutcome& outcome);
    /// The instances that would be refused right now, for `LoadBalancer::pick`.
    Excluded isolated() const;
    /// Adds those of `candidates` that are isolated to `excluded` (the select path: looks up
    /// the candidates only, whatever the number of instances known).
    void add_isolated(std::span<const Instance* const> candidates, Excluded& excluded) const;
    BreakerState state(std::string_view instance_id) const;
    /// Forgets every instance whose id is not in `live` (gone from the provider cache).
    void retain_only(const std::set<std::string, std::less<>>& live);
    std::size_t size() const;
    const CircuitBreakerConfig& config() const noexcept { return *config_; }

  private:
    std::shared_ptr<CircuitBreaker> find(std::string_view instance_id) const;

    std::shared_ptr<const CircuitBreakerConfig> config_;
    Clock& clock_;
    /// Breakers open or half-open right now, including forgotten ones still alive elsewhere
    /// (each gives its count back when it closes or is destroyed). Shared: a breaker may
    /// outlive this object in a loop's cache.
    std::shared_ptr<std::atomic<int>> not_closed_ = std::make_shared<std::atomic<int>>(0);
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<CircuitBreaker>, std::less<>> breakers_;
};

}  // namespace scagent::plugins::governance
