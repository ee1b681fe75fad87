#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <cstdint>
#include <string_view>

#include "metrics/metrics_registry.hpp"
#include "plugins/governance/snapshot.hpp"

namespace scagent::governance {

/// The governance metric families, declared once:
///  - sc_agent_governance_items{kind,status}: items of the current snapshot per kind, status
///    loaded | rejected | ignored;
///  - sc_agent_governance_actions_total{kind,action}: decisions taken on the request path
///    (select, proxy), e.g. {routeRule,routed} or {instanceIsolation,skipped}.
/// Thread-safe (prometheus-cpp families lock on Add; counters are atomic).
class GovernanceMetrics {
  public:
    explicit GovernanceMetrics(metrics::MetricsRegistry& registry);

    /// Sets every per-kind gauge from `snapshot` (zeros for unused kinds).
    void set_items(const plugins::governance::GovernanceSnapshot& snapshot);
    /// The counter of one decision; callers on the hot path may keep the reference.
    prometheus::Counter& action(std::string_view kind, std::string_view action);
    double items(std::string_view kind, std::string_view status);

  private:
    prometheus::Family<prometheus::Gauge>& items_;
    prometheus::Family<prometheus::Counter>& actions_;
    /// Tells this instance's entries apart in the per-thread counter caches (an address could
    /// be reused by a later instance; an id is not).
    const std::uint64_t id_;
};

}  // namespace scagent::governance
