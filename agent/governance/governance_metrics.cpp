#include "agent/governance/governance_metrics.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace scagent::governance {

GovernanceMetrics::GovernanceMetrics(metrics::MetricsRegistry& registry)
    : items_(prometheus::BuildGauge()
                 .Name("sc_agent_governance_items")
                 .Help("Governance items of the effective snapshot per kind and status")
                 .Register(registry.registry())),
      actions_(prometheus::BuildCounter()
                   .Name("sc_agent_governance_actions_total")
                   .Help("Governance decisions taken on the request path per kind and action")
                   .Register(registry.registry())),
      id_([] {
          static std::atomic<std::uint64_t> next{1};
          return next.fetch_add(1, std::memory_order_relaxed);
      }()) {}

void GovernanceMetrics::set_items(const plugins::governance::GovernanceSnapshot& snapshot) {
    for (const auto& [kind, counts] : snapshot.counts()) {
        items_.Add({{"kind", kind}, {"status", "loaded"}}).Set(static_cast<double>(counts.loaded));
        items_.Add({{"kind", kind}, {"status", "rejected"}})
            .Set(static_cast<double>(counts.rejected));
        items_.Add({{"kind", kind}, {"status", "ignored"}})
            .Set(static_cast<double>(counts.ignored));
    }
}

prometheus::Counter& GovernanceMetrics::action(std::string_view kind, std::string_view action) {
    // Called on every proxied call and select: Family::Add locks and hashes its labels, so each
    // thread remembers the counters it has used (a handful of kind/action pairs per metrics
    // object), searched in order: cheaper than building and hashing a key each time.
    struct Used {
        std::uint64_t owner;
        std::string kind;
        std::string action;
        prometheus::Counter* counter;
    };
    thread_local std::vector<Used> used;
    for (const auto& entry : used) {
        if (entry.owner == id_ && entry.kind == kind && entry.action == action) {
            return *entry.counter;
        }
    }
    auto& counter = actions_.Add({{"kind", std::string(kind)}, {"action", std::string(action)}});
    used.push_back(Used{id_, std::string(kind), std::string(action), &counter});
    return counter;
}

double GovernanceMetrics::items(std::string_view kind, std::string_view status) {
    return items_.Add({{"kind", std::string(kind)}, {"status", std::string(status)}}).Value();
}

}  // namespace scagent::governance
