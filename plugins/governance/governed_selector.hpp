#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "plugins/api/clock.hpp"
#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/api/rng.hpp"
#include "plugins/governance/governed_pick.hpp"
#include "plugins/governance/instance_isolation.hpp"
#include "plugins/governance/loadbalance_policy.hpp"
#include "plugins/governance/policy_state_cache.hpp"
#include "plugins/governance/snapshot.hpp"
#include "plugins/lb/load_balancer.hpp"

namespace scagent::plugins::governance {

/// The governed `select` of the discovery API, and the owner of the state the proxy's picks use
/// too (through each loop's LoopSelector): route rule of the target service → skip isolated
/// instances → the service's `loadbalance` rule (RoundRobin by default). The one place that
/// decides which instances are skipped: outcomes reported through `POST .../outcome`, the
/// proxy's outcomes and every select share the isolation state kept here.
///
/// Invariants:
/// 1. Balancer and isolation state live in PolicyStateCaches, so they survive governance
///    reloads that leave their policy unchanged (a RoundRobin cursor keeps turning, an open
///    isolation stays open).
/// 2. A balancer belongs to one (service, loadbalance policy) pair; isolation state to one
///    instanceIsolation policy, keyed by instance id. A request no instanceIsolation rule
///    matches uses default_isolation() (3 consecutive failures isolate for 30 s), so every
///    select skips through the same path, with or without governance.
/// 3. An instance is returned only after its isolation breaker admitted the call
///    (try_acquire). The app reports its outcome later without a permit, so the outcome counts
///    in the state it arrives in (a proxy loop's LoopSelector carries permits instead).
/// 4. A returned instance counts as an attempt started on the balancer that chose it
///    (LeastRequest's in-flight count); record_outcome, which knows only the service, ends it
///    and gives its latency to every balancer `service`'s selects used (WeightedResponse). A
///    proxy loop knows its pick and reports to that pick's balancer and breaker only.
/// 5. Per-instance isolation state exists only for instances selected or reported (the caller
///    reports only cached instances) and retain() drops it once they leave the cache.
/// Thread-safe: callable from any connection's thread. A proxy loop goes through its own
/// LoopSelector, which asks resolve() once per snapshot, policy and generation.
class GovernedSelector {
  public:
    using SnapshotSource =
        std::function<std::shared_ptr<const plugins::governance::GovernanceSnapshot>()>;

    using ActionCounter = plugins::governance::ActionCounter;
    using Isolation = plugins::governance::InstanceIsolation;
    using IsolationPtr = std::shared_ptr<Isolation>;

    /// The states a request's picks use: its instanceIsolation policy's (or the default) and
    /// the balancer of (service, its loadbalance policy). Never null.
    struct Resolved {
        IsolationPtr isolation;
        std::shared_ptr<plugins::lb::LoadBalancer> balancer;
    };

    GovernedSelector(SnapshotSource snapshots, plugins::Clock& clock, ActionCounter actions = {},
                     std::uint64_t seed = 0x5eed);

    /// One of `candidates` for a call to `service`, or nullptr when route rules or isolation
    /// leave none. The request is matched with `service` as its service name (callers on the
    /// hot path set `request.service_name` themselves, which saves a copy of the request). The
    /// pointer is one of `candidates`.
    const plugins::Instance* select(std::string_view service,
                                    std::span<const plugins::Instance* const> candidates,
                                    const plugins::RequestView& request);
    /// The same over a plain list; returns a copy.
    std::optional<plugins::Instance> select(std::string_view service,
                                            std::span<const plugins::Instance> candidates,
                                            const plugins::RequestView& request);

    /// The states for `request` (its service_name the target) under `snapshot` (null: none),
    /// remembered as used by the service, so that outcomes reported by name reach them and
    /// retain() can forget them. What select does first; a LoopSelector keeps the answer.
    Resolved resolve(const GovernanceSnapshot* snapshot, const plugins::RequestView& request);
    /// Changes with every retain(): states resolved before it may have been forgotten here.
    std::uint64_t generation() const noexcept {
        return generation_.load(std::memory_order_acquire);
    }
    const ActionCounter& actions() const noexcept { return actions_; }

    /// A call the app made to `instance_id` of `service` ended; feeds instance isolation and
    /// the load balancers of `service` (latency, in-flight count).
    void record_outcome(std::string_view service, std::string_view instance_id, bool success,
                        std::chrono::milliseconds latency);

    /// True when `instance_id` is isolated by an isolation policy `service` has used.
    bool isolated(std::string_view service, std::string_view instance_id) const;

    /// Forgets the state of services not in `services` and of instances not in
    /// `instance_ids` (what the provider cache still holds).
    void retain(const std::set<std::string, std::less<>>& services,
                const std::set<std::string, std::less<>>& instance_ids);

    /// The isolation applied when no `instanceIsolation` rule matches: COUNT_BASED window of
    /// 3 calls, all failed → isolated for 30 s, then one trial call decides.
    static std::shared_ptr<const plugins::governance::CircuitBreakerConfig> default_isolation();
    /// Instances with isolation state, summed over the policies (tests of retain()).
    std::size_t tracked_instances() const;

  private:
    const plugins::Instance* select_named(const GovernanceSnapshot* snapshot,
                                          std::span<const plugins::Instance* const> candidates,
                                          const plugins::RequestView& request);

    /// The matching instanceIsolation state, or the default one; never null.
    IsolationPtr isolation_for(const plugins::governance::GovernanceSnapshot* snapshot,
                               const plugins::RequestView& request);
    void count(std::string_view kind, std::string_view action);

    std::atomic<std::uint64_t> generation_{0};
    SnapshotSource snapshots_;
    plugins::Clock& clock_;
    ActionCounter actions_;
    plugins::governance::PolicyStateCache<plugins::governance::LoadBalanceConfig,
                                          plugins::lb::LoadBalancer>
        balancers_;
    plugins::governance::PolicyStateCache<plugins::governance::CircuitBreakerConfig, Isolation>
        isolations_;
    const IsolationPtr default_isolation_;

    mutable std::mutex mutex_;  // guards rng_, next_seed_, used_isolations_, used_balancers_
    plugins::SeededRng rng_;
    std::uint64_t next_seed_;
    /// service → isolation states its selects used: where its outcomes are recorded.
    std::map<std::string, std::map<std::string, IsolationPtr, std::less<>>, std::less<>>
        used_isolations_;
    /// service → balancers its selects used (by balancer key): where its outcomes go too.
    std::map<std::string,
             std::map<std::string, std::shared_ptr<plugins::lb::LoadBalancer>, std::less<>>,
             std::less<>>
        used_balancers_;
};

}  // namespace scagent::plugins::governance
