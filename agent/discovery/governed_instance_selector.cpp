#include "agent/discovery/governed_instance_selector.hpp"

#include <spdlog/spdlog.h>

namespace scagent::discovery {

const plugins::Instance* GovernedInstanceSelector::select(
    const CachedSet& set, const std::vector<const plugins::Instance*>& candidates,
    const plugins::RequestView& request) noexcept {
    try {
        return selector_->select(set.key.service, candidates, request);
    } catch (const std::exception& e) {
        // Only allocation can throw here; answering NO_INSTANCE beats crashing the agent.
        spdlog::error("select {}: {}", set.key.to_string(), e.what());
        return nullptr;
    }
}

void GovernedInstanceSelector::record_outcome(std::string_view service,
                                              std::string_view instance_id, bool success,
                                              std::chrono::milliseconds latency) noexcept {
    try {
        selector_->record_outcome(service, instance_id, success, latency);
    } catch (const std::exception& e) {
        spdlog::error("outcome {} {}: {}", service, instance_id, e.what());
    }
}

void GovernedInstanceSelector::retain(const std::set<std::string, std::less<>>& services,
                                      const std::set<std::string, std::less<>>& instance_ids) {
    selector_->retain(services, instance_ids);
}

}  // namespace scagent::discovery
