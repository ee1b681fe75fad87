#include <algorithm>
#include <chrono>

#include "plugins/lb/balancers.hpp"

namespace scagent::plugins::lb {

namespace {

// Weight of the newest sample in the moving average; ~the last ten calls dominate.
constexpr double kSmoothing = 0.2;
// Floor for averages so that a 0 ms instance does not take every request.
constexpr double kMinAverageMs = 1.0;

}  // namespace

const Instance* WeightedResponse::pick(Candidates candidates, const RequestView& /*request*/,
                                       const Excluded& excluded) {
    std::lock_guard lock(mutex_);
    weights_.assign(candidates.size(), 0.0);
    double best = 0;
    bool any_eligible = false;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (excluded.contains(candidates[i]->instance_id)) {
            weights_[i] = -1;  // never chosen
            continue;
        }
        any_eligible = true;
        auto it = average_ms_.find(candidates[i]->instance_id);
        if (it != average_ms_.end()) {
            weights_[i] = 1.0 / std::max(it->second, kMinAverageMs);
            best = std::max(best, weights_[i]);
        }
    }
    if (!any_eligible) {
        return nullptr;
    }
    double total = 0;
    for (auto& w : weights_) {
        if (w == 0) {
            w = best > 0 ? best : 1.0;  // unsampled
        }
        total += std::max(w, 0.0);
    }
    double ticket = rng_->unit() * total;
    const Instance* last = nullptr;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (weights_[i] <= 0) {
            continue;
        }
        last = candidates[i];
        if (ticket < weights_[i]) {
            return candidates[i];
        }
        ticket -= weights_[i];
    }
    return last;  // rounding left the ticket just past the end
}

void WeightedResponse::on_attempt_end(const Instance& instance,
                                      const governance::CallOutcome& outcome) noexcept {
    const double ms = std::chrono::duration<double, std::milli>(outcome.latency).count();
    std::lock_guard lock(mutex_);
    auto it = average_ms_.find(instance.instance_id);
    if (it == average_ms_.end()) {
        average_ms_.emplace(instance.instance_id, ms);
    } else {
        it->second += kSmoothing * (ms - it->second);
    }
}

double WeightedResponse::average_ms(std::string_view instance_id) const {
    std::lock_guard lock(mutex_);
    auto it = average_ms_.find(instance_id);
    return it == average_ms_.end() ? 0 : it->second;
}

void WeightedResponse::retain_instances(const std::set<std::string, std::less<>>& live) {
    std::lock_guard lock(mutex_);
    std::erase_if(average_ms_, [&](const auto& entry) { return !live.contains(entry.first); });
}

const Instance* LeastRequest::pick(Candidates candidates, const RequestView& /*request*/,
                                   const Excluded& excluded) {
    const std::size_t eligible = count_eligible(candidates, excluded);
    if (eligible == 0) {
        return nullptr;
    }
    std::lock_guard lock(mutex_);
    const Instance* a = nth_eligible(candidates, excluded, rng_->below(eligible));
    if (eligible == 1) {
        return a;
    }
    // A second, distinct choice: skip a's slot by drawing from eligible - 1 and shifting.
    std::size_t second = rng_->below(eligible - 1);
    const Instance* b = nth_eligible(candidates, excluded, second);
    if (b == a) {
        b = nth_eligible(candidates, excluded, eligible - 1);
    }
    auto load = [&](const Instance* i) {
        auto it = active_.find(i->instance_id);
        return it == active_.end() ? 0 : it->second;
    };
    return load(b) < load(a) ? b : a;
}

void LeastRequest::on_attempt_start(const Instance& instance) noexcept {
    std::lock_guard lock(mutex_);
    active_[instance.instance_id] += 1;
}

void LeastRequest::on_attempt_end(const Instance& instance,
                                  const governance::CallOutcome& /*outcome*/) noexcept {
    on_attempt_abandoned(instance);  // the count is all it keeps: an end is an end
}

void LeastRequest::on_attempt_abandoned(const Instance& instance) noexcept {
    std::lock_guard lock(mutex_);
    auto it = active_.find(instance.instance_id);
    if (it != active_.end() && --it->second <= 0) {
        active_.erase(it);
    }
}

int LeastRequest::active(std::string_view instance_id) const {
    std::lock_guard lock(mutex_);
    auto it = active_.find(instance_id);
    return it == active_.end() ? 0 : it->second;
}

void LeastRequest::retain_instances(const std::set<std::string, std::less<>>& live) {
    std::lock_guard lock(mutex_);
    std::erase_if(active_, [&](const auto& entry) { return !live.contains(entry.first); });
}

}  // namespace scagent::plugins::lb
