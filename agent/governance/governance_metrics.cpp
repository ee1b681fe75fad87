#include "agent/governance/governance_metrics.hpp"

#include <atomic>
#include <string>
#include <unordered_map>

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
    // thread remembers the counters it has used (a handful of kind/action pairs).
    thread_local std::unordered_map<std::string, prometheus::Counter*> cache;
    thread_local std::string key;
    key.assign(std::to_string(id_)).append(1, '\0').append(kind).append(1, '\0').append(action);
    if (auto it = cache.find(key); it != cache.end()) {
        return *it->second;
    }
    auto& counter = actions_.Add({{"kind", std::string(kind)}, {"action", std::string(action)}});
    cache.emplace(key, &counter);
    return counter;
}

double GovernanceMetrics::items(std::string_view kind, std::string_view status) {
    return items_.Add({{"kind", std::string(kind)}, {"status", std::string(status)}}).Value();
}

}  // namespace scagent::governance
