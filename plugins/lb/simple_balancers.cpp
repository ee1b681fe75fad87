#include "plugins/lb/balancers.hpp"

namespace scagent::plugins::lb {

const Instance* RoundRobin::pick(Candidates candidates, const RequestView& /*request*/,
                                 const Excluded& excluded) {
    const std::size_t eligible = count_eligible(candidates, excluded);
    if (eligible == 0) {
        return nullptr;
    }
    // Counting among the eligible (not skipping forward) keeps the spread even while some
    // instances are excluded.
    return nth_eligible(candidates, excluded, next_.fetch_add(1) % eligible);
}

const Instance* RandomBalancer::pick(Candidates candidates, const RequestView& /*request*/,
                                     const Excluded& excluded) {
    const std::size_t eligible = count_eligible(candidates, excluded);
    if (eligible == 0) {
        return nullptr;
    }
    std::size_t n = 0;
    {
        std::lock_guard lock(mutex_);
        n = rng_->below(eligible);
    }
    return nth_eligible(candidates, excluded, n);
}

const Instance* SessionStickiness::pick(Candidates candidates, const RequestView& request,
                                        const Excluded& excluded) {
    if (request.affinity_key.empty()) {
        return fallback_.pick(candidates, request, excluded);
    }
    std::lock_guard lock(mutex_);
    auto it = sticky_.find(request.affinity_key);
    if (it != sticky_.end() && !excluded.contains(it->second)) {
        for (const Instance* instance : candidates) {
            if (instance->instance_id == it->second) {
                return instance;
            }
        }
    }
    const Instance* chosen = fallback_.pick(candidates, request, excluded);
    if (chosen == nullptr) {
        return nullptr;
    }
    if (it != sticky_.end()) {
        it->second = chosen->instance_id;
        return chosen;
    }
    if (sticky_.size() >= kMaxSessions) {
        // Drop the oldest key still remembered; insertion_order_ is a ring of kMaxSessions.
        sticky_.erase(insertion_order_[oldest_]);
        insertion_order_[oldest_] = request.affinity_key;
        oldest_ = (oldest_ + 1) % kMaxSessions;
    } else {
        insertion_order_.push_back(request.affinity_key);
    }
    sticky_.emplace(request.affinity_key, chosen->instance_id);
    return chosen;
}

std::size_t SessionStickiness::sessions() const {
    std::lock_guard lock(mutex_);
    return sticky_.size();
}

}  // namespace scagent::plugins::lb
