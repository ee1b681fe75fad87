#include "agent/governance/governance_metrics.hpp"

#include <string>

namespace scagent::governance {

GovernanceMetrics::GovernanceMetrics(metrics::MetricsRegistry& registry)
    : items_(prometheus::BuildGauge()
                 .Name("sc_agent_governance_items")
                 .Help("Governance items of the effective snapshot per kind and status")
                 .Register(registry.registry())),
      actions_(prometheus::BuildCounter()
                   .Name("sc_agent_governance_actions_total")
                   .Help("Governance decisions taken on the request path per kind and action")
                   .Register(registry.registry())) {}

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
    return actions_.Add({{"kind", std::string(kind)}, {"action", std::string(action)}});
}

double GovernanceMetrics::items(std::string_view kind, std::string_view status) {
    return items_.Add({{"kind", std::string(kind)}, {"status", std::string(status)}}).Value();
}

}  // namespace scagent::governance
