#include "plugins/governance/loop_selector.hpp"

#include <cassert>
#include <optional>
#include <utility>

namespace scagent::plugins::governance {

LoopSelector::Pick& LoopSelector::Pick::operator=(Pick&& other) noexcept {
    if (this != &other) {
        abandon();
        instance_ = std::exchange(other.instance_, nullptr);
        ended_ = std::exchange(other.ended_, false);
        breaker_ = std::move(other.breaker_);
        permit_ = other.permit_;
        balancer_ = std::move(other.balancer_);
    }
    return *this;
}

void LoopSelector::Pick::abandon() noexcept {
    if (instance_ && !ended_) {
        ended_ = true;
        breaker_->release(permit_);
        balancer_->on_attempt_abandoned(*instance_);
    }
}

LoopSelector::Kept& LoopSelector::kept_for(
    const std::shared_ptr<const GovernanceSnapshot>& snapshot, const plugins::RequestView& request,
    MatchedGroups* matched) {
    if (const auto generation = shared_.generation();
        snapshot != snapshot_ || generation != generation_) {
        kept_.clear();
        snapshot_ = snapshot;
        generation_ = generation;
    }
    // Matching the policies reads only the immutable snapshot.
    const void* isolation = nullptr;
    const void* loadbalance = nullptr;
    if (snapshot) {
        std::optional<MatchedGroups> own;
        assert(matched == nullptr || &matched->request() == &request);
        MatchedGroups& groups = matched ? *matched : own.emplace(*snapshot, request);
        isolation = snapshot->instance_isolation_for(groups).get();
        loadbalance = snapshot->loadbalance_for(groups).get();
    }
    auto it = kept_.find(std::string_view(request.service_name));
    if (it == kept_.end()) {
        it = kept_.try_emplace(request.service_name).first;
    }
    for (auto& kept : it->second) {
        if (kept.isolation_config == isolation && kept.loadbalance_config == loadbalance) {
            return kept;
        }
    }
    Kept& made = it->second.emplace_back();
    made.isolation_config = isolation;
    made.loadbalance_config = loadbalance;
    made.states = shared_.resolve(snapshot.get(), request);
    return made;
}

const std::shared_ptr<CircuitBreaker>& LoopSelector::breaker_of(Kept& kept,
                                                                const plugins::Instance& instance) {
    auto it = kept.breakers.find(std::string_view(instance.instance_id));
    if (it == kept.breakers.end()) {
        it =
            kept.breakers
                .emplace(instance.instance_id, kept.states.isolation->breaker(instance.instance_id))
                .first;
    }
    return it->second;
}

LoopSelector::Pick LoopSelector::select(const std::shared_ptr<const GovernanceSnapshot>& snapshot,
                                        std::span<const plugins::Instance* const> candidates,
                                        const plugins::RequestView& request,
                                        MatchedGroups* matched) {
    Kept& kept = kept_for(snapshot, request, matched);
    Pick pick;
    pick.instance_ = governed_pick(snapshot.get(), candidates, request, rng_,
                                   {*kept.states.isolation, *kept.states.balancer},
                                   shared_.actions(), [&](const plugins::Instance& instance) {
                                       const auto& breaker = breaker_of(kept, instance);
                                       const auto permit = breaker->acquire();
                                       if (!permit) {
                                           return false;
                                       }
                                       pick.breaker_ = breaker;
                                       pick.permit_ = *permit;
                                       return true;
                                   });
    if (pick.instance_) {
        pick.balancer_ = kept.states.balancer;
    }
    return pick;
}

void LoopSelector::record_outcome(Pick& pick, bool success, std::chrono::milliseconds latency) {
    if (!pick.instance_ || pick.ended_) {
        return;
    }
    pick.ended_ = true;
    const auto outcome = reported_outcome(success, latency);
    pick.balancer_->on_attempt_end(*pick.instance_, outcome);
    if (pick.breaker_->record(outcome, pick.permit_) && shared_.actions()) {
        shared_.actions()("instanceIsolation", "isolated");
    }
}

std::size_t LoopSelector::kept() const noexcept {
    std::size_t count = 0;
    for (const auto& [service, pairs] : kept_) {
        count += pairs.size();
    }
    return count;
}

}  // namespace scagent::plugins::governance
