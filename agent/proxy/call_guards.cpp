#include "agent/proxy/call_guards.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "agent/runtime/asio_tokens.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace gov = plugins::governance;
using runtime::cancelled;
using runtime::kNoThrow;

/// Waits `how_long` on the calling coroutine's executor; false when cancelled meanwhile.
asio::awaitable<bool> hold(gov::Duration how_long) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor,
                             std::chrono::duration_cast<asio::steady_timer::duration>(how_long));
    auto [ec] = co_await timer.async_wait(kNoThrow);
    co_return !ec;
}

/// Whole seconds until the next free permit (`wait` of a refused acquire), at least 1.
unsigned retry_after_seconds(gov::Duration wait) {
    const double seconds = std::chrono::duration<double>(wait).count();
    return static_cast<unsigned>(std::clamp(std::ceil(seconds), 1.0, 7.0 * 24 * 3600));
}

double circuit_state_value(gov::BreakerState state) {
    switch (state) {
        case gov::BreakerState::kOpen:
        case gov::BreakerState::kForcedOpen:
            return 1;
        case gov::BreakerState::kHalfOpen:
            return 2;
        default:
            return 0;
    }
}

std::string_view transition_action(gov::BreakerState to) {
    switch (to) {
        case gov::BreakerState::kOpen:
            return "opened";
        case gov::BreakerState::kHalfOpen:
            return "half-opened";
        default:
            return "closed";
    }
}

template <class Map, class Make>
auto& cached(Map& map, const void* key, Make make) {
    auto it = map.find(key);
    if (it == map.end()) {
        it = map.emplace(key, make()).first;
    }
    return it->second;
}

}  // namespace

// --- BulkheadGate -------------------------------------------------------------------------

struct BulkheadGate::Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;  ///< used on its executor only
    bool woken = false;        ///< guarded by the gate's mutex
};

BulkheadGate::Slot::~Slot() {
    if (gate_) {
        permit_.reset();
        gate_->wake_one();
    }
}

std::optional<BulkheadGate::Slot> BulkheadGate::try_enter() {
    auto decision = bulkhead_.try_acquire();
    if (decision.answer != gov::BulkheadAnswer::kAdmitted) {
        return std::nullopt;
    }
    return Slot(std::move(*decision.permit), shared_from_this());
}

void BulkheadGate::wake_one() {
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (waiters_.empty()) {
            return;
        }
        waiter = std::move(waiters_.front());
        waiters_.pop_front();
        waiter->woken = true;
    }
    // The timer belongs to the waiter's loop: cancel it there.
    asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
}

asio::awaitable<std::optional<BulkheadGate::Slot>> BulkheadGate::enter() {
    const auto deadline =
        asio::steady_timer::clock_type::now() +
        std::chrono::duration_cast<asio::steady_timer::duration>(config().max_wait_duration);
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        // Queued before trying again, so that a slot given back in between wakes this caller.
        auto waiter = std::make_shared<Waiter>(executor);
        {
            std::lock_guard lock(mutex_);
            waiters_.push_back(waiter);
        }
        auto slot = try_enter();
        bool woken = false;
        if (!slot) {
            waiter->timer.expires_at(deadline);
            co_await waiter->timer.async_wait(kNoThrow);
        }
        {
            std::lock_guard lock(mutex_);
            woken = waiter->woken;
            if (!woken) {
                std::erase(waiters_, waiter);
            }
        }
        if (slot) {
            if (woken) {
                wake_one();  // that wake-up was for a slot this caller did not need
            }
            co_return slot;
        }
        if (co_await cancelled()) {
            co_return std::nullopt;
        }
        slot = try_enter();
        if (slot || asio::steady_timer::clock_type::now() >= deadline) {
            co_return slot;
        }
        // Woken, but another caller took the slot first: wait again for the time left.
    }
}

// --- GuardStates --------------------------------------------------------------------------

GuardStates::GuardStates(plugins::Clock& clock,
                         prometheus::Family<prometheus::Gauge>& circuit_state,
                         ActionCounter actions)
    : clock_(clock),
      circuit_state_(circuit_state),
      actions_(std::move(actions)),
      limiters_([&clock](std::shared_ptr<const gov::RateLimitConfig> config) {
          return std::make_shared<gov::RateLimiter>(std::move(config), clock);
      }),
      bulkheads_([](std::shared_ptr<const gov::BulkheadConfig> config) {
          return std::make_shared<BulkheadGate>(std::move(config));
      }),
      faults_([](std::shared_ptr<const gov::FaultInjectionConfig> config) {
          return std::make_shared<gov::FaultInjector>(std::move(config));
      }) {}

std::shared_ptr<gov::RateLimiter> GuardStates::rate_limiter(
    const std::shared_ptr<const gov::RateLimitConfig>& config) {
    return limiters_.obtain(config->meta.name, config);
}

std::shared_ptr<BulkheadGate> GuardStates::bulkhead(
    const std::shared_ptr<const gov::BulkheadConfig>& config) {
    return bulkheads_.obtain(config->meta.name, config);
}

std::shared_ptr<gov::CircuitBreaker> GuardStates::breaker(
    const std::shared_ptr<const gov::CircuitBreakerConfig>& config, std::string_view service) {
    // Keyed "<policy>\n<service>": neither a kie key nor a service name holds a newline.
    std::string key = config->meta.name;
    key += '\n';
    key += service;
    return breakers_.obtain(
        key, config, [this, service = std::string(service)](auto breaker_config) {
            auto* gauge = &circuit_state_.Add({{"service", service}});
            gauge->Set(circuit_state_value(breaker_config->force_open
                                               ? gov::BreakerState::kOpen
                                               : gov::BreakerState::kClosed));
            return std::make_shared<gov::CircuitBreaker>(
                std::move(breaker_config), clock_, [this, gauge](gov::BreakerState to) {
                    gauge->Set(circuit_state_value(to));
                    count("circuitBreaker", transition_action(to));
                });
        });
}

std::shared_ptr<gov::FaultInjector> GuardStates::fault_injector(
    const std::shared_ptr<const gov::FaultInjectionConfig>& config) {
    return faults_.obtain(config->meta.name, config);
}

void GuardStates::retain(const gov::GovernanceSnapshot& snapshot) {
    const auto names_of = [](const auto& list) {
        std::set<std::string, std::less<>> names;
        for (const auto& policy : list) {
            names.insert(policy->meta.name);
        }
        return names;
    };
    const auto limiters = names_of(snapshot.rate_limits());
    limiters_.retain_if([&](std::string_view key) { return limiters.contains(key); });
    const auto bulkheads = names_of(snapshot.bulkheads());
    bulkheads_.retain_if([&](std::string_view key) { return bulkheads.contains(key); });
    const auto breakers = names_of(snapshot.circuit_breakers());
    breakers_.retain_if(
        [&](std::string_view key) { return breakers.contains(key.substr(0, key.find('\n'))); });
    const auto faults = names_of(snapshot.fault_injections());
    faults_.retain_if([&](std::string_view key) { return faults.contains(key); });
}

void GuardStates::count(std::string_view kind, std::string_view action) const {
    if (actions_) {
        actions_(kind, action);
    }
}

// --- Admission ----------------------------------------------------------------------------

Admission::~Admission() {
    if (breaker_) {
        breaker_->release(permit_);  // the call never reached an instance
    }
}

void Admission::record(const gov::CallOutcome& outcome) {
    if (breaker_) {
        breaker_->record(outcome, permit_);
        breaker_.reset();
    }
}

// --- LoopGuards ---------------------------------------------------------------------------

bool LoopGuards::any(const gov::GovernanceSnapshot& snapshot) noexcept {
    return !snapshot.rate_limits().empty() || !snapshot.bulkheads().empty() ||
           !snapshot.circuit_breakers().empty() || !snapshot.fault_injections().empty();
}

void LoopGuards::follow(const std::shared_ptr<const gov::GovernanceSnapshot>& snapshot) {
    if (snapshot == snapshot_) {
        return;
    }
    // A new governance revision: forget the old policies' states (each loop does it once per
    // revision; the second time finds nothing to drop).
    states_.retain(*snapshot);
    limiters_.clear();
    bulkheads_.clear();
    breakers_.clear();
    faults_.clear();
    snapshot_ = snapshot;
}

gov::RateLimiter& LoopGuards::rate_limiter(
    const std::shared_ptr<const gov::RateLimitConfig>& config) {
    return *cached(limiters_, config.get(), [&] { return states_.rate_limiter(config); });
}

std::shared_ptr<BulkheadGate> LoopGuards::bulkhead(
    const std::shared_ptr<const gov::BulkheadConfig>& config) {
    return cached(bulkheads_, config.get(), [&] { return states_.bulkhead(config); });
}

std::shared_ptr<gov::CircuitBreaker> LoopGuards::breaker(
    const std::shared_ptr<const gov::CircuitBreakerConfig>& config, std::string_view service) {
    auto& by_service = breakers_[config.get()];
    auto it = by_service.find(service);
    if (it == by_service.end()) {
        it = by_service.emplace(std::string(service), states_.breaker(config, service)).first;
    }
    return it->second;
}

gov::FaultInjector& LoopGuards::fault_injector(
    const std::shared_ptr<const gov::FaultInjectionConfig>& config) {
    return *cached(faults_, config.get(), [&] { return states_.fault_injector(config); });
}

asio::awaitable<void> LoopGuards::admit(std::shared_ptr<const gov::GovernanceSnapshot> snapshot,
                                        gov::MatchedGroups& matched, std::string breaker_service,
                                        Admission& admission) {
    follow(snapshot);
    const auto& governance = *snapshot;

    if (const auto& config = governance.rate_limit_for(matched)) {
        const auto decision = rate_limiter(config).acquire();
        if (!decision.admitted) {
            states_.count("rateLimiting", "limited");
            admission.refused =
                ProxyError{429, "RATE_LIMITED",
                           "rate limiting policy '" + config->meta.name + "' allows " +
                               std::to_string(config->rate) + " calls per period",
                           retry_after_seconds(decision.wait)};
            admission.why = "rate limited";
            co_return;
        }
        if (decision.wait > gov::Duration::zero()) {
            // A permit of a later period was reserved for this call: it goes out then.
            states_.count("rateLimiting", "delayed");
            if (!co_await hold(decision.wait)) {
                admission.cancelled = true;
                co_return;
            }
        }
    }

    if (const auto& config = governance.bulkhead_for(matched)) {
        auto gate = bulkhead(config);
        admission.slot_ = gate->try_enter();
        if (!admission.slot_ && config->max_wait_duration > gov::Duration::zero()) {
            states_.count("bulkhead", "queued");
            admission.slot_ = co_await gate->enter();
            if (co_await cancelled()) {
                admission.cancelled = true;
                co_return;
            }
        }
        if (!admission.slot_) {
            states_.count("bulkhead", "rejected");
            admission.refused = ProxyError{503, "BULKHEAD_FULL",
                                           "bulkhead policy '" + config->meta.name + "' allows " +
                                               std::to_string(config->max_concurrent_calls) +
                                               " concurrent calls and all are in flight"};
            admission.why = "bulkhead full";
            co_return;
        }
    }

    if (const auto& config = governance.circuit_breaker_for(matched)) {
        auto breaker_state = breaker(config, breaker_service);
        const auto permit = breaker_state->acquire();
        if (!permit) {
            states_.count("circuitBreaker", "rejected");
            admission.refused = ProxyError{503, "CIRCUIT_OPEN",
                                           "circuit breaker policy '" + config->meta.name +
                                               "' is open for '" + breaker_service + "'"};
            admission.why = "circuit open";
            co_return;
        }
        admission.breaker_ = std::move(breaker_state);
        admission.permit_ = *permit;
    }

    if (const auto& config = governance.fault_injection_for(matched)) {
        const auto fault = fault_injector(config).next();
        if (fault.action == gov::FaultAction::kAbort) {
            states_.count("faultInjection", "injected");
            admission.refused =
                ProxyError{static_cast<unsigned>(fault.error_code), "FAULT_INJECTED",
                           "fault injection policy '" + config->meta.name + "' aborted this call"};
            admission.why = "fault injected";
            // Seen by the breaker as the provider failure it stands for.
            admission.record({fault.error_code, false, gov::Duration::zero()});
            co_return;
        }
        if (fault.action == gov::FaultAction::kDelay) {
            states_.count("faultInjection", "injected");
            if (!co_await hold(fault.delay)) {
                admission.cancelled = true;
                co_return;
            }
        }
    }
}

}  // namespace scagent::proxy
