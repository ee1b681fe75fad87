#include "plugins/governance/governed_selector.hpp"

#include <boost/container/small_vector.hpp>

#include <vector>

#include "plugins/lb/factory.hpp"

namespace scagent::plugins::governance {
namespace {

namespace gov = plugins::governance;
using plugins::Instance;

/// Without a `loadbalance` policy a service is balanced RoundRobin (java-chassis' default).
std::shared_ptr<const gov::LoadBalanceConfig> default_loadbalance() {
    static const auto config = [] {
        auto made = std::make_shared<gov::LoadBalanceConfig>();
        made->rule = "RoundRobin";
        return made;
    }();
    return config;
}

std::string_view route_action(gov::RouteOutcome outcome) {
    switch (outcome) {
        case gov::RouteOutcome::kNoRule:
            return "none";
        case gov::RouteOutcome::kRouted:
            return "routed";
        case gov::RouteOutcome::kProtected:
            return "protected";
        case gov::RouteOutcome::kEmpty:
            return "empty";
    }
    return "none";
}

/// The key under which a service's selects remember default_isolation(): no policy name is
/// empty (a kie key always has one after `servicecomb.instanceIsolation.`).
constexpr std::string_view kDefaultIsolationKey{};

/// The selector's one Rng, drawn from by any thread: each draw under the selector's lock.
class LockedRng final : public plugins::Rng {
  public:
    LockedRng(std::mutex& mutex, plugins::Rng& rng) : mutex_(mutex), rng_(rng) {}
    std::uint64_t below(std::uint64_t bound) noexcept override {
        std::lock_guard lock(mutex_);
        return rng_.below(bound);
    }
    double unit() noexcept override {
        std::lock_guard lock(mutex_);
        return rng_.unit();
    }

  private:
    std::mutex& mutex_;
    plugins::Rng& rng_;
};

}  // namespace

RouteOutcome route_candidates(const GovernanceSnapshot* snapshot,
                              std::span<const Instance* const> candidates,
                              const plugins::RequestView& request,
                              const plugins::Excluded& excluded, plugins::Rng& rng,
                              const ActionCounter& count, RouteResult& routed) {
    if (!snapshot || !snapshot->route_rule_for(request.service_name)) {
        return RouteOutcome::kNoRule;  // and no copy of the candidate list
    }
    routed = snapshot->route(candidates, request, excluded, rng);
    if (routed.outcome != RouteOutcome::kNoRule && count) {
        count("routeRule", route_action(routed.outcome));
    }
    return routed.outcome;
}

std::shared_ptr<const gov::CircuitBreakerConfig> GovernedSelector::default_isolation() {
    static const auto config = [] {
        auto made = std::make_shared<gov::CircuitBreakerConfig>();
        made->sliding_window_type = gov::SlidingWindowType::kCountBased;
        made->sliding_window_size = 3;
        made->minimum_number_of_calls = 3;
        made->failure_rate_threshold = 100;  // 3 of the last 3 = 3 consecutive failures
        made->slow_call_duration_threshold = gov::Duration::max();  // latency never isolates
        made->wait_duration_in_open_state = std::chrono::seconds(30);
        made->permitted_calls_in_half_open_state = 1;
        return std::shared_ptr<const gov::CircuitBreakerConfig>(std::move(made));
    }();
    return config;
}

GovernedSelector::GovernedSelector(SnapshotSource snapshots, plugins::Clock& clock,
                                   ActionCounter actions, std::uint64_t seed)
    : snapshots_(std::move(snapshots)),
      clock_(clock),
      actions_(std::move(actions)),
      balancers_([this](std::shared_ptr<const gov::LoadBalanceConfig> config) {
          std::uint64_t seed_for;
          {
              std::lock_guard lock(mutex_);
              seed_for = next_seed_++;
          }
          auto made = plugins::lb::make_load_balancer(
              config->rule, std::make_unique<plugins::SeededRng>(seed_for));
          if (!made.balancer) {
              // parse_loadbalance rejects unknown rules, so this is only a safety net.
              made = plugins::lb::make_load_balancer(
                  "RoundRobin", std::make_unique<plugins::SeededRng>(seed_for));
          }
          return std::shared_ptr<plugins::lb::LoadBalancer>(std::move(made.balancer));
      }),
      isolations_([this](std::shared_ptr<const gov::CircuitBreakerConfig> config) {
          return std::make_shared<Isolation>(std::move(config), clock_);
      }),
      default_isolation_(std::make_shared<Isolation>(default_isolation(), clock_)),
      rng_(seed),
      next_seed_(seed + 1) {}

void GovernedSelector::count(std::string_view kind, std::string_view action) {
    if (actions_) {
        actions_(kind, action);
    }
}

GovernedSelector::IsolationPtr GovernedSelector::isolation_for(
    const gov::GovernanceSnapshot* snapshot, const plugins::RequestView& request) {
    auto config = snapshot ? snapshot->instance_isolation_for(request) : nullptr;
    auto state = config ? isolations_.obtain(config->meta.name, config) : default_isolation_;
    const std::string_view name =
        config ? std::string_view(config->meta.name) : kDefaultIsolationKey;
    std::lock_guard lock(mutex_);
    auto& used = used_isolations_[request.service_name];
    // The common case (the same policy as the last call) writes nothing.
    if (auto it = used.find(name); it == used.end() || it->second != state) {
        used.insert_or_assign(std::string(name), state);
    }
    return state;
}

std::optional<Instance> GovernedSelector::select(std::string_view service,
                                                 std::span<const Instance> candidates,
                                                 const plugins::RequestView& request) {
    std::vector<const Instance*> pointers;
    pointers.reserve(candidates.size());
    for (const auto& instance : candidates) {
        pointers.push_back(&instance);
    }
    const Instance* picked = select(service, pointers, request);
    return picked ? std::optional<Instance>(*picked) : std::nullopt;
}

const Instance* GovernedSelector::select(std::string_view service,
                                         std::span<const Instance* const> candidates,
                                         const plugins::RequestView& request) {
    const auto snapshot = snapshots_();
    if (request.service_name == service) {
        return select_named(snapshot.get(), candidates, request);
    }
    plugins::RequestView named = request;
    named.service_name = std::string(service);
    return select_named(snapshot.get(), candidates, named);
}

GovernedSelector::Resolved GovernedSelector::resolve(const GovernanceSnapshot* snapshot,
                                                     const plugins::RequestView& request) {
    Resolved resolved;
    resolved.isolation = isolation_for(snapshot, request);
    auto config = snapshot ? snapshot->loadbalance_for(request) : nullptr;
    if (!config) {
        config = default_loadbalance();
    }
    // One key string per thread, reused: no allocation on each call.
    thread_local std::string balancer_key;
    balancer_key.assign(request.service_name).append("#").append(config->meta.name);
    resolved.balancer = balancers_.obtain(balancer_key, config);
    std::lock_guard lock(mutex_);
    auto& used = used_balancers_[request.service_name];
    if (auto it = used.find(balancer_key); it == used.end() || it->second != resolved.balancer) {
        used.insert_or_assign(balancer_key, resolved.balancer);
    }
    return resolved;
}

const Instance* GovernedSelector::select_named(const GovernanceSnapshot* snapshot,
                                               std::span<const Instance* const> candidates,
                                               const plugins::RequestView& request) {
    const auto states = resolve(snapshot, request);
    LockedRng rng(mutex_, rng_);
    return governed_pick(snapshot, candidates, request, rng, {*states.isolation, *states.balancer},
                         actions_, [&](const Instance& instance) {
                             return states.isolation->try_acquire(instance.instance_id);
                         });
}

void GovernedSelector::record_outcome(std::string_view service, std::string_view instance_id,
                                      bool success, std::chrono::milliseconds latency) {
    // A service has one or two policies of each kind in force: kept on the stack.
    boost::container::small_vector<IsolationPtr, 4> targets;
    boost::container::small_vector<std::shared_ptr<plugins::lb::LoadBalancer>, 4> balancers;
    {
        std::lock_guard lock(mutex_);
        if (auto it = used_isolations_.find(service); it != used_isolations_.end()) {
            for (const auto& [name, state] : it->second) {
                targets.push_back(state);
            }
        }
        if (auto it = used_balancers_.find(service); it != used_balancers_.end()) {
            for (const auto& [key, balancer] : it->second) {
                balancers.push_back(balancer);
            }
        }
    }
    if (targets.empty()) {
        // No select for this service yet: the policy a request without path or headers gets.
        plugins::RequestView request;
        request.service_name = std::string(service);
        targets.push_back(isolation_for(snapshots_().get(), request));
    }
    const auto outcome = reported_outcome(success, latency);
    thread_local Instance called;  // balancers know instances by id; reused, not rebuilt
    called.instance_id.assign(instance_id);
    for (const auto& balancer : balancers) {
        balancer->on_attempt_end(called, outcome);
    }
    for (const auto& state : targets) {
        if (state->record(instance_id, outcome)) {
            count("instanceIsolation", "isolated");
        }
    }
}

bool GovernedSelector::isolated(std::string_view service, std::string_view instance_id) const {
    std::lock_guard lock(mutex_);
    auto it = used_isolations_.find(service);
    if (it == used_isolations_.end()) {
        return false;
    }
    for (const auto& [name, state] : it->second) {
        if (state->isolated().contains(instance_id)) {
            return true;
        }
    }
    return false;
}

void GovernedSelector::retain(const std::set<std::string, std::less<>>& services,
                              const std::set<std::string, std::less<>>& instance_ids) {
    {
        std::lock_guard lock(mutex_);
        std::erase_if(used_isolations_,
                      [&](const auto& entry) { return !services.contains(entry.first); });
        std::erase_if(used_balancers_,
                      [&](const auto& entry) { return !services.contains(entry.first); });
    }
    default_isolation_->retain_only(instance_ids);
    isolations_.for_each([&](Isolation& isolation) { isolation.retain_only(instance_ids); });
    // Balancer keys are "<service>#<policy>"; service names have no '#'.
    balancers_.retain_if(
        [&](std::string_view key) { return services.contains(key.substr(0, key.find('#'))); });
    balancers_.for_each(
        [&](plugins::lb::LoadBalancer& balancer) { balancer.retain_instances(instance_ids); });
    // Last, once everything above is forgotten: loops drop what they resolved before this and
    // resolve again on their next call.
    generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::size_t GovernedSelector::tracked_instances() const {
    std::size_t count = default_isolation_->size();
    isolations_.for_each([&](const Isolation& isolation) { count += isolation.size(); });
    return count;
}

}  // namespace scagent::plugins::governance
