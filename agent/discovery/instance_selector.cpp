#include "agent/discovery/instance_selector.hpp"

namespace scagent::discovery {

const plugins::Instance* RoundRobinSelector::select(
    const CachedSet& /*set*/, const std::vector<const plugins::Instance*>& candidates,
    const plugins::RequestView& /*request*/) noexcept {
    if (candidates.empty()) {
        return nullptr;
    }
    auto turn = next_.fetch_add(1, std::memory_order_relaxed);
    return candidates[turn % candidates.size()];
}

}  // namespace scagent::discovery
