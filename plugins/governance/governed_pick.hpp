#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string_view>

#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/api/rng.hpp"
#include "plugins/governance/instance_isolation.hpp"
#include "plugins/governance/snapshot.hpp"
#include "plugins/lb/load_balancer.hpp"

namespace scagent::plugins::governance {

/// Told every governance action taken (`kind` e.g. "instanceIsolation", `action` e.g.
/// "isolated"); the agent counts them in sc_agent_governance_actions_total.
using ActionCounter = std::function<void(std::string_view kind, std::string_view action)>;

/// What a reported call outcome means to breakers and balancers: success as a 200, failure as a
/// transport error (both selectors' record_outcome).
inline CallOutcome reported_outcome(bool success, std::chrono::milliseconds latency) {
    CallOutcome outcome;
    outcome.transport_error = !success;
    if (success) {
        outcome.status = 200;
    }
    outcome.latency = latency;
    return outcome;
}

/// The states one pick decides with: the isolation policy in force and the balancer of the
/// (service, loadbalance policy) pair.
struct PickStates {
    InstanceIsolation& isolation;
    plugins::lb::LoadBalancer& balancer;
};

/// Bounds re-picks when the chosen instance's breaker refuses at the last moment (half-open
/// trial calls used up by a concurrent select).
inline constexpr int kMaxPicks = 4;

/// Applies `snapshot`'s route rule for `request.service_name` to `candidates` (null snapshot
/// or no rule: kNoRule and `routed` untouched); counts the route action.
RouteOutcome route_candidates(const GovernanceSnapshot* snapshot,
                              std::span<const Instance* const> candidates,
                              const RequestView& request, const Excluded& excluded, Rng& rng,
                              const ActionCounter& count, RouteResult& routed);

/// The decision the local API's select and a proxy loop share: route rule → skip isolated
/// instances → the balancer's pick, given only once `admit(instance)` (the instance's breaker,
/// try_acquire) agrees; the balancer is told the attempt started. Null when route rules or
/// isolation leave nothing.
template <class Admit>
const Instance* governed_pick(const GovernanceSnapshot* snapshot,
                              std::span<const Instance* const> candidates,
                              const RequestView& request, Rng& rng, PickStates states,
                              const ActionCounter& count, Admit&& admit) {
    Excluded excluded;
    states.isolation.add_isolated(candidates, excluded);
    RouteResult routed;
    const auto outcome =
        route_candidates(snapshot, candidates, request, excluded, rng, count, routed);
    if (outcome == RouteOutcome::kEmpty) {
        return nullptr;
    }
    const auto eligible = outcome == RouteOutcome::kNoRule
                              ? candidates
                              : std::span<const Instance* const>(routed.instances);
    for (int attempt = 0; attempt < kMaxPicks; ++attempt) {
        const Instance* picked = states.balancer.pick(eligible, request, excluded);
        if (!picked) {
            break;
        }
        if (admit(*picked)) {
            if (count) {
                count("loadbalance", "picked");
            }
            states.balancer.on_attempt_start(*picked);
            return picked;
        }
        excluded.ids.insert(picked->instance_id);
    }
    if (!excluded.empty() && count) {
        count("instanceIsolation", "exhausted");
    }
    return nullptr;
}

}  // namespace scagent::plugins::governance
