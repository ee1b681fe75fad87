#include "plugins/governance/instance_isolation.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<CircuitBreaker> InstanceIsolation::breaker(std::string_view instance_id) {
    std::lock_guard lock(mutex_);
    auto it = breakers_.find(instance_id);
    if (it == breakers_.end()) {
        it = breakers_
                 .emplace(std::string(instance_id),
                          std::make_shared<CircuitBreaker>(config_, clock_))
                 .first;
    }
    return it->second;
}

std::shared_ptr<CircuitBreaker> InstanceIsolation::find(std::string_view instance_id) const {
    std::lock_guard lock(mutex_);
    auto it = breakers_.find(instance_id);
    return it == breakers_.end() ? nullptr : it->second;
}

bool InstanceIsolation::try_acquire(std::string_view instance_id) {
    return breaker(instance_id)->try_acquire();
}

bool InstanceIsolation::record(std::string_view instance_id, const CallOutcome& outcome) {
    // One lookup for the before/after question too: this is on every proxied call.
    const auto instance = breaker(instance_id);
    const bool was_open = instance->state() == BreakerState::kOpen;
    instance->record(outcome);
    return !was_open && instance->state() == BreakerState::kOpen;
}

void InstanceIsolation::add_isolated(std::span<const Instance* const> candidates,
                                     Excluded& excluded) const {
    std::lock_guard lock(mutex_);
    if (breakers_.empty()) {
        return;
    }
    for (const auto* instance : candidates) {
        auto it = breakers_.find(instance->instance_id);
        if (it != breakers_.end() && it->second->rejecting()) {
            excluded.ids.insert(instance->instance_id);
        }
    }
}

Excluded InstanceIsolation::isolated() const {
    Excluded excluded;
    std::lock_guard lock(mutex_);
    for (const auto& [id, breaker] : breakers_) {
        if (breaker->rejecting()) {
            excluded.ids.insert(id);
        }
    }
    return excluded;
}

BreakerState InstanceIsolation::state(std::string_view instance_id) const {
    auto b = find(instance_id);
    if (b) {
        return b->state();
    }
    // An instance never called has the state a fresh breaker would have.
    return CircuitBreaker(config_, clock_).state();
}

void InstanceIsolation::retain_only(const std::set<std::string, std::less<>>& live) {
    std::lock_guard lock(mutex_);
    std::erase_if(breakers_, [&](const auto& entry) { return !live.contains(entry.first); });
}

std::size_t InstanceIsolation::size() const {
    std::lock_guard lock(mutex_);
    return breakers_.size();
}

}  // namespace scagent::plugins::governance
