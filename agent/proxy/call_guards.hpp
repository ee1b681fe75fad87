#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/proxy/proxy_error.hpp"
#include "plugins/api/clock.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/governance/bulkhead.hpp"
#include "plugins/governance/circuit_breaker.hpp"
#include "plugins/governance/fault_injection.hpp"
#include "plugins/governance/policy_state_cache.hpp"
#include "plugins/governance/rate_limit.hpp"
#include "plugins/governance/snapshot.hpp"

// The consumer-side policies a proxied call passes before an instance is picked, in this
// order: rateLimiting → bulkhead → circuitBreaker → faultInjection (docs/governance.md).
// Cheap refusals come first, so a limited call neither takes a bulkhead slot nor counts in a
// breaker; an injected fault runs inside the breaker, as a provider failure would.

namespace scagent::proxy {

/// Told every governance action the proxy takes, e.g. ("rateLimiting", "limited"); the agent
/// counts them in sc_agent_governance_actions_total.
using ActionCounter = std::function<void(std::string_view kind, std::string_view action)>;

/// A bulkhead whose callers may wait up to its maxWaitDuration for a slot. A slot given back
/// wakes the longest waiting caller: nobody polls.
class BulkheadGate : public std::enable_shared_from_this<BulkheadGate> {
  public:
    /// One admitted call; gives the slot back (and wakes a waiter) when destroyed.
    class Slot {
      public:
        Slot(plugins::governance::BulkheadPermit permit, std::shared_ptr<BulkheadGate> gate)
            : permit_(std::move(permit)), gate_(std::move(gate)) {}
        Slot(Slot&&) noexcept = default;
        Slot& operator=(Slot&&) noexcept = default;
        ~Slot();

      private:
        plugins::governance::BulkheadPermit permit_;
        std::shared_ptr<BulkheadGate> gate_;
    };

    explicit BulkheadGate(std::shared_ptr<const plugins::governance::BulkheadConfig> config)
        : bulkhead_(std::move(config)) {}

    /// A slot now, or none when every slot is taken.
    std::optional<Slot> try_enter();
    /// A slot within maxWaitDuration, or none. Cancellation ends the wait with none.
    boost::asio::awaitable<std::optional<Slot>> enter();
    const plugins::governance::BulkheadConfig& config() const noexcept {
        return bulkhead_.config();
    }
    int in_flight() const noexcept { return bulkhead_.in_flight(); }

  private:
    struct Waiter;
    void wake_one();

    plugins::governance::Bulkhead bulkhead_;
    std::mutex mutex_;                            // guards waiters_ and each Waiter::woken
    std::list<std::shared_ptr<Waiter>> waiters_;  // oldest first
};

/// Policy state shared by every event loop, kept across governance reloads that leave a policy
/// unchanged (a bucket is not refilled, an open breaker stays open). Thread-safe; the loops
/// look each state up here once per governance snapshot (LoopGuards).
class GuardStates {
  public:
    GuardStates(plugins::Clock& clock, prometheus::Family<prometheus::Gauge>& circuit_state,
                ActionCounter actions);

    std::shared_ptr<plugins::governance::RateLimiter> rate_limiter(
        const std::shared_ptr<const plugins::governance::RateLimitConfig>& config);
    std::shared_ptr<BulkheadGate> bulkhead(
        const std::shared_ptr<const plugins::governance::BulkheadConfig>& config);
    /// The breaker of one (policy, target service) pair; its transitions set the service's
    /// sc_agent_proxy_circuit_state and count as governance actions.
    std::shared_ptr<plugins::governance::CircuitBreaker> breaker(
        const std::shared_ptr<const plugins::governance::CircuitBreakerConfig>& config,
        std::string_view service);
    std::shared_ptr<plugins::governance::FaultInjector> fault_injector(
        const std::shared_ptr<const plugins::governance::FaultInjectionConfig>& config);

    /// Drops the state of policies `snapshot` no longer has.
    void retain(const plugins::governance::GovernanceSnapshot& snapshot);
    void count(std::string_view kind, std::string_view action) const;
    plugins::Clock& clock() const noexcept { return clock_; }

  private:
    template <class Config, class State>
    using Cache = plugins::governance::PolicyStateCache<Config, State>;

    plugins::Clock& clock_;
    prometheus::Family<prometheus::Gauge>& circuit_state_;
    ActionCounter actions_;
    Cache<plugins::governance::RateLimitConfig, plugins::governance::RateLimiter> limiters_;
    Cache<plugins::governance::BulkheadConfig, BulkheadGate> bulkheads_;
    Cache<plugins::governance::CircuitBreakerConfig, plugins::governance::CircuitBreaker> breakers_;
    Cache<plugins::governance::FaultInjectionConfig, plugins::governance::FaultInjector> faults_;
};

/// What the consumer-side policies decided for one call. An admitted call holds its bulkhead
/// slot and its breaker permission until this ends; record() gives the breaker the call's
/// outcome, and a call that never reports one (cancelled, no instance) gives the permission
/// back unused.
class Admission {
  public:
    Admission() = default;
    Admission(Admission&&) = delete;
    ~Admission();

    /// Set when a policy refused the call; `why` names it for the access log.
    std::optional<ProxyError> refused;
    std::string_view why;
    /// The proxy is stopping: the call was cancelled while it waited.
    bool cancelled = false;

    /// The breaker that admitted the call, if any, learns how it ended.
    void record(const plugins::governance::CallOutcome& outcome);

  private:
    friend class LoopGuards;
    std::optional<BulkheadGate::Slot> slot_;
    std::shared_ptr<plugins::governance::CircuitBreaker> breaker_;
    plugins::governance::CircuitBreaker::Permit permit_;
};

/// One event loop's view of GuardStates: the states of the current snapshot's policies, looked
/// up once per snapshot, so that a call takes no lock to find them. Not thread-safe.
class LoopGuards {
  public:
    explicit LoopGuards(GuardStates& states) : states_(states) {}

    /// Whether `snapshot` has any policy admit() applies (most calls skip it entirely).
    static bool any(const plugins::governance::GovernanceSnapshot& snapshot) noexcept;

    /// Runs the policies matching `matched`'s request (its service name is the target on the
    /// consumer side, the caller on the provider side; `matched` is of `snapshot` and shared
    /// with the call's other policy lookups); may wait (a reserved rate permit, a bulkhead
    /// slot, an injected delay). A breaker is kept per (policy, `breaker_service`): the target,
    /// or the local service on the provider side (callers are not a bounded set). Sets
    /// `admission.refused` when one refuses.
    boost::asio::awaitable<void> admit(
        std::shared_ptr<const plugins::governance::GovernanceSnapshot> snapshot,
        plugins::governance::MatchedGroups& matched, std::string breaker_service,
        Admission& admission);

  private:
    void follow(const std::shared_ptr<const plugins::governance::GovernanceSnapshot>& snapshot);
    plugins::governance::RateLimiter& rate_limiter(
        const std::shared_ptr<const plugins::governance::RateLimitConfig>& config);
    std::shared_ptr<BulkheadGate> bulkhead(
        const std::shared_ptr<const plugins::governance::BulkheadConfig>& config);
    std::shared_ptr<plugins::governance::CircuitBreaker> breaker(
        const std::shared_ptr<const plugins::governance::CircuitBreakerConfig>& config,
        std::string_view service);
    plugins::governance::FaultInjector& fault_injector(
        const std::shared_ptr<const plugins::governance::FaultInjectionConfig>& config);

    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept {
            return std::hash<std::string_view>{}(text);
        }
    };
    using BreakersByService =
        std::unordered_map<std::string, std::shared_ptr<plugins::governance::CircuitBreaker>,
                           StringHash, std::equal_to<>>;

    GuardStates& states_;
    /// The snapshot the caches below belong to; held so that its policies' addresses, the
    /// caches' keys, cannot be reused by another snapshot's.
    std::shared_ptr<const plugins::governance::GovernanceSnapshot> snapshot_;
    std::unordered_map<const void*, std::shared_ptr<plugins::governance::RateLimiter>> limiters_;
    std::unordered_map<const void*, std::shared_ptr<BulkheadGate>> bulkheads_;
    std::unordered_map<const void*, BreakersByService> breakers_;
    std::unordered_map<const void*, std::shared_ptr<plugins::governance::FaultInjector>> faults_;
};

}  // namespace scagent::proxy
