#include "plugins/governance/instance_isolation.hpp"

namespace scagent::plugins::governance {
namespace {

/// Keeps one breaker's share of InstanceIsolation::not_closed_: counted while the breaker is
/// away from closed, given back when it closes or when the breaker (its listener) is destroyed.
/// Touched only under the breaker's lock (transition listeners run there) or at its end.
class NotClosedShare {
  public:
    explicit NotClosedShare(std::shared_ptr<std::atomic<int>> count) : count_(std::move(count)) {}
    NotClosedShare(const NotClosedShare&) = delete;
    NotClosedShare& operator=(const NotClosedShare&) = delete;
    ~NotClosedShare() { set(false); }

    void follow(BreakerState to) {
        set(to != BreakerState::kClosed && to != BreakerState::kForcedClosed);
    }

  private:
    void set(bool away) {
        if (away != counted_) {
            counted_ = away;
            count_->fetch_add(away ? 1 : -1, std::memory_order_acq_rel);
        }
    }

    std::shared_ptr<std::atomic<int>> count_;
    bool counted_ = false;
};

}  // namespace

std::shared_ptr<CircuitBreaker> InstanceIsolation::breaker(std::string_view instance_id) {
    std::lock_guard lock(mutex_);
    auto it = breakers_.find(instance_id);
    if (it == breakers_.end()) {
        auto share = std::make_shared<NotClosedShare>(not_closed_);
        auto made = std::make_shared<CircuitBreaker>(
            config_, clock_, [share](BreakerState to) { share->follow(to); });
        // A forced-open breaker starts away from closed without a transition.
        share->follow(made->state());
        it = breakers_.emplace(std::string(instance_id), std::move(made)).first;
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
    return breaker(instance_id)->record(outcome);
}

void InstanceIsolation::add_isolated(std::span<const Instance* const> candidates,
                                     Excluded& excluded) const {
    if (not_closed_->load(std::memory_order_acquire) == 0) {
        return;  // every breaker admits: nothing to look up
    }
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
