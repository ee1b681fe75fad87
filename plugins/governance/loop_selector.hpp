#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/api/rng.hpp"
#include "plugins/governance/circuit_breaker.hpp"
#include "plugins/governance/governed_selector.hpp"
#include "plugins/governance/snapshot.hpp"
#include "plugins/lb/load_balancer.hpp"

namespace scagent::plugins::governance {

/// One proxy event loop's way to the shared GovernedSelector's decision: the isolation state,
/// balancer and instance breakers a call uses are found in the loop's own tables, filled from
/// the shared selector (resolve()) on first use after each governance snapshot or retain(), so
/// a call takes no lock and builds no key to find them. The states themselves stay shared:
/// with every other loop and with the local API's select and outcome reports, which is what
/// `/v1/explain` reads too. A closed breaker and a round-robin balancer then answer with
/// atomics only.
///
/// Invariants:
/// 1. Everything kept was resolved under the loop's current snapshot and the shared selector's
///    current generation; a change of either empties the tables before the next lookup.
/// 2. A Pick owns what its outcome needs (breaker, balancer): an outcome recorded after the
///    tables were emptied still reaches the states that admitted the call.
/// Not thread-safe: one per loop, used on that loop's thread only.
class LoopSelector {
  public:
    /// A governed pick and the states its outcome goes to. Dropped without an outcome (the
    /// client left, the proxy is stopping), it gives back what the pick took: a half-open
    /// breaker's trial call and the balancer's count of the attempt (LeastRequest).
    class Pick {
      public:
        Pick() = default;
        Pick(Pick&& other) noexcept { *this = std::move(other); }
        Pick& operator=(Pick&& other) noexcept;
        Pick(const Pick&) = delete;
        Pick& operator=(const Pick&) = delete;
        ~Pick() { abandon(); }

        /// The instance picked; null when none could be.
        const plugins::Instance* instance() const noexcept { return instance_; }

      private:
        friend class LoopSelector;
        void abandon() noexcept;

        const plugins::Instance* instance_ = nullptr;
        bool ended_ = false;  // its outcome was recorded, or it was abandoned
        std::shared_ptr<CircuitBreaker> breaker_;
        CircuitBreaker::Permit permit_;
        std::shared_ptr<plugins::lb::LoadBalancer> balancer_;
    };

    LoopSelector(GovernedSelector& shared, std::uint64_t seed) : shared_(shared), rng_(seed) {}

    /// One of `candidates` for `request` (its service_name the target) under `snapshot`
    /// (null: no governance), or a Pick without instance when route rules or isolation leave
    /// none. The caller holds `snapshot` for the whole call. `matched`, when given, is the
    /// call's MatchedGroups for `request` under `snapshot` (shared with its other lookups).
    Pick select(const std::shared_ptr<const GovernanceSnapshot>& snapshot,
                std::span<const plugins::Instance* const> candidates,
                const plugins::RequestView& request, MatchedGroups* matched = nullptr);

    /// The call `pick` admitted ended: its breaker and balancer learn how. Once per pick; a
    /// second report of the same pick is ignored. Only the states that made the pick learn it
    /// (an outcome reported through the local API reaches every policy its service used,
    /// having no pick to name).
    void record_outcome(Pick& pick, bool success, std::chrono::milliseconds latency);

    /// The (service, policies) pairs kept now (tests).
    std::size_t kept() const noexcept;

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept {
            return std::hash<std::string_view>{}(text);
        }
    };
    using Breakers = std::unordered_map<std::string, std::shared_ptr<CircuitBreaker>, StringHash,
                                        std::equal_to<>>;
    /// The states of one (service, isolation policy, loadbalance policy) triple; the policies
    /// are told apart by their config objects, which a snapshot owns.
    struct Kept {
        const void* isolation_config = nullptr;
        const void* loadbalance_config = nullptr;
        GovernedSelector::Resolved states;
        Breakers breakers;  // by instance id: the isolation state's, asked once each
    };

    Kept& kept_for(const std::shared_ptr<const GovernanceSnapshot>& snapshot,
                   const plugins::RequestView& request, MatchedGroups* matched);
    const std::shared_ptr<CircuitBreaker>& breaker_of(Kept& kept,
                                                      const plugins::Instance& instance);

    GovernedSelector& shared_;
    plugins::SeededRng rng_;
    std::shared_ptr<const GovernanceSnapshot> snapshot_;  // the one the tables belong to
    std::uint64_t generation_ = 0;
    /// service → its policy pairs in force (usually one).
    std::unordered_map<std::string, std::vector<Kept>, StringHash, std::equal_to<>> kept_;
};

}  // namespace scagent::plugins::governance
