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

}  // namespace scagent::discovery
