#include "plugins/governance/circuit_breaker.hpp"

#include <algorithm>

#include "plugins/governance/duration.hpp"
#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

namespace {

// A window is allocated up front; this bounds what one bad item can make us allocate.
constexpr int kMaxWindowSize = 1'000'000;

void check_rate(Fields& f, std::string_view key, double value) {
    if (!(value > 0 && value <= 100)) {
        f.error(key, "must be in (0, 100], got " + format_number(value));
    }
}

void check_positive(Fields& f, std::string_view key, Duration value) {
    if (value <= Duration::zero()) {
        f.error(key, "must be > 0, got " + format_duration(value));
    }
}

void read_window_size(Fields& f, CircuitBreakerConfig& c) {
    std::string text;
    if (!f.read("slidingWindowSize", text)) {
        return;
    }
    long long size = 0;
    if (!to_int(text, size)) {
        // A duration is accepted and counted in whole seconds.
        auto d = parse_duration(text);
        if (!d || *d < Duration::zero() || text.find_first_of("sSmMhH") == std::string::npos) {
            f.error(
                "slidingWindowSize",
                "must be a number of calls/seconds or a duration such as 10S, got '" + text + "'");
            return;
        }
        size = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
    }
    if (size <= 0 || size > kMaxWindowSize) {
        f.error("slidingWindowSize", "must be in [1, " + std::to_string(kMaxWindowSize) +
                                         "], got " + std::to_string(size));
        return;
    }
    c.sliding_window_size = static_cast<int>(size);
}

}  // namespace

std::shared_ptr<const CircuitBreakerConfig> parse_circuit_breaker(const YAML::Node& root,
                                                                  std::string name,
                                                                  ItemErrors& errors) {
    return parse_policy<CircuitBreakerConfig>(
        root, std::move(name), errors, [&](Fields& f, CircuitBreakerConfig* c) {
            if (f.read("failureRateThreshold", c->failure_rate_threshold)) {
                check_rate(f, "failureRateThreshold", c->failure_rate_threshold);
            }
            if (f.read("slowCallRateThreshold", c->slow_call_rate_threshold)) {
                check_rate(f, "slowCallRateThreshold", c->slow_call_rate_threshold);
            }
            if (f.read_duration("slowCallDurationThreshold", c->slow_call_duration_threshold)) {
                check_positive(f, "slowCallDurationThreshold", c->slow_call_duration_threshold);
            }
            if (f.read_duration("waitDurationInOpenState", c->wait_duration_in_open_state)) {
                check_positive(f, "waitDurationInOpenState", c->wait_duration_in_open_state);
            }
            if (f.read("permittedNumberOfCallsInHalfOpenState",
                       c->permitted_calls_in_half_open_state) &&
                c->permitted_calls_in_half_open_state <= 0) {
                f.error(
                    "permittedNumberOfCallsInHalfOpenState",
                    "must be > 0, got " + std::to_string(c->permitted_calls_in_half_open_state));
            }
            if (f.read("minimumNumberOfCalls", c->minimum_number_of_calls) &&
                c->minimum_number_of_calls <= 0) {
                f.error("minimumNumberOfCalls",
                        "must be > 0, got " + std::to_string(c->minimum_number_of_calls));
            }
            std::string type;
            // Like java-chassis: anything but COUNT_BASED (including a typo) means TIME_BASED.
            if (f.read("slidingWindowType", type) && type == "COUNT_BASED") {
                c->sliding_window_type = SlidingWindowType::kCountBased;
            }
            read_window_size(f, *c);
            std::vector<std::string> statuses;
            if (f.read("recordFailureStatus", statuses) &&
                check_status_list(f, "recordFailureStatus", statuses)) {
                c->record_failure_status = std::move(statuses);
            }
            f.read("forceClosed", c->force_closed);
            f.read("forceOpen", c->force_open);
        });
}

std::string_view breaker_state_name(BreakerState state) noexcept {
    switch (state) {
        case BreakerState::kClosed:
            return "CLOSED";
        case BreakerState::kOpen:
            return "OPEN";
        case BreakerState::kHalfOpen:
            return "HALF_OPEN";
        case BreakerState::kForcedOpen:
            return "FORCED_OPEN";
        case BreakerState::kForcedClosed:
            return "FORCED_CLOSED";
    }
    return "UNKNOWN";
}

CircuitBreaker::CircuitBreaker(std::shared_ptr<const CircuitBreakerConfig> config, Clock& clock,
                               TransitionListener on_transition)
    : config_(std::move(config)),
      clock_(clock),
      epoch_(clock.now()),
      on_transition_(std::move(on_transition)) {
    const auto size = static_cast<std::size_t>(config_->sliding_window_size);
    if (config_->sliding_window_type == SlidingWindowType::kCountBased) {
        ring_.assign(size, 0);
    } else {
        buckets_.assign(size, Bucket{});
    }
    if (config_->force_open) {
        state_ = BreakerState::kForcedOpen;
    } else if (config_->force_closed) {
        state_ = BreakerState::kForcedClosed;
    }
    publish();
}

void CircuitBreaker::publish() noexcept {
    published_.store(period_ << 8 | static_cast<std::uint64_t>(state_), std::memory_order_release);
    // Forced closed counts nothing; a full window of successes stays one after a success.
    const bool clean_full_window = state_ == BreakerState::kClosed && !ring_.empty() &&
                                   ring_used_ == ring_.size() && window_.failures == 0 &&
                                   window_.slow == 0;
    successes_change_nothing_.store(clean_full_window || state_ == BreakerState::kForcedClosed,
                                    std::memory_order_release);
}

bool CircuitBreaker::open_elapsed(Clock::TimePoint now) const noexcept {
    return now - opened_at_ >= config_->wait_duration_in_open_state;
}

bool CircuitBreaker::trials_lost(Clock::TimePoint now) const noexcept {
    return half_open_issued_ > half_open_.calls &&
           now - last_trial_at_ >= config_->wait_duration_in_open_state;
}

std::optional<CircuitBreaker::Permit> CircuitBreaker::acquire() noexcept {
    // Only record() leaves closed: a closed breaker admits without the lock or the clock. A
    // transition right after this load leaves the call with the earlier period, as if it had
    // been admitted just before: its outcome is then dropped (invariant 1).
    if (const auto seen = published_.load(std::memory_order_acquire);
        state_of(seen) == BreakerState::kClosed || state_of(seen) == BreakerState::kForcedClosed) {
        return Permit{seen >> 8};
    }
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    switch (state_) {
        case BreakerState::kClosed:
        case BreakerState::kForcedClosed:
            return Permit{period_};
        case BreakerState::kForcedOpen:
            return std::nullopt;
        case BreakerState::kOpen:
            if (!open_elapsed(now)) {
                return std::nullopt;
            }
            transition(BreakerState::kHalfOpen, now);
            [[fallthrough]];
        case BreakerState::kHalfOpen:
            if (trials_lost(now)) {
                half_open_issued_ = static_cast<int>(half_open_.calls);
            }
            if (half_open_issued_ >= config_->permitted_calls_in_half_open_state) {
                return std::nullopt;
            }
            ++half_open_issued_;
            last_trial_at_ = now;
            return Permit{period_};
    }
    return std::nullopt;
}

void CircuitBreaker::release(Permit permit) noexcept {
    std::lock_guard lock(mutex_);
    if (permit.period == period_ && state_ == BreakerState::kHalfOpen &&
        half_open_issued_ > half_open_.calls) {
        --half_open_issued_;
    }
}

void CircuitBreaker::release() noexcept {
    // Untracked: whatever period is current gives back (a transition in between gives nothing).
    release(Permit{published_.load(std::memory_order_acquire) >> 8});
}

bool CircuitBreaker::rejecting() const noexcept {
    if (const auto seen = state();
        seen == BreakerState::kClosed || seen == BreakerState::kForcedClosed) {
        return false;
    }
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    switch (state_) {
        case BreakerState::kClosed:
        case BreakerState::kForcedClosed:
            return false;
        case BreakerState::kForcedOpen:
            return true;
        case BreakerState::kOpen:
            return !open_elapsed(now);
        case BreakerState::kHalfOpen:
            return half_open_issued_ >= config_->permitted_calls_in_half_open_state &&
                   !trials_lost(now);
    }
    return true;
}

BreakerState CircuitBreaker::state() const noexcept {
    return state_of(published_.load(std::memory_order_acquire));
}

bool CircuitBreaker::is_failure(const CallOutcome& outcome) const noexcept {
    return outcome.transport_error ||
           (outcome.status && status_listed(config_->record_failure_status, *outcome.status));
}

bool CircuitBreaker::over_threshold(const Counts& counts) const noexcept {
    const double calls = static_cast<double>(counts.calls);
    return static_cast<double>(counts.failures) * 100 / calls >= config_->failure_rate_threshold ||
           static_cast<double>(counts.slow) * 100 / calls >= config_->slow_call_rate_threshold;
}

bool CircuitBreaker::record(const CallOutcome& outcome) noexcept {
    return record_in(outcome, std::nullopt);
}

bool CircuitBreaker::record(const CallOutcome& outcome, Permit permit) noexcept {
    return record_in(outcome, permit.period);
}

bool CircuitBreaker::record_in(const CallOutcome& outcome,
                               std::optional<std::uint64_t> period) noexcept {
    const bool failure = is_failure(outcome);
    const bool slow = outcome.latency > config_->slow_call_duration_threshold;
    if (!failure && !slow && successes_change_nothing_.load(std::memory_order_acquire)) {
        return false;  // invariant 4: the window would be the same
    }
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    if (period && *period != period_) {
        return false;  // invariant 1: admitted before the last transition
    }
    const auto before = state_;
    if (state_ == BreakerState::kClosed) {
        add_to_window(failure, slow, now);
        std::int64_t minimum = config_->minimum_number_of_calls;
        if (config_->sliding_window_type == SlidingWindowType::kCountBased) {
            minimum = std::min<std::int64_t>(minimum, config_->sliding_window_size);
        }
        if (window_.calls >= minimum && over_threshold(window_)) {
            transition(BreakerState::kOpen, now);
        }
    } else if (state_ == BreakerState::kHalfOpen && half_open_.calls < half_open_issued_) {
        ++half_open_.calls;
        half_open_.failures += failure ? 1 : 0;
        half_open_.slow += slow ? 1 : 0;
        if (half_open_.calls >= config_->permitted_calls_in_half_open_state) {
            transition(over_threshold(half_open_) ? BreakerState::kOpen : BreakerState::kClosed,
                       now);
        }
    }
    publish();
    return before != BreakerState::kOpen && state_ == BreakerState::kOpen;
}

void CircuitBreaker::add_to_window(bool failure, bool slow, Clock::TimePoint now) {
    if (!ring_.empty()) {
        if (ring_used_ == ring_.size()) {
            const auto old = ring_[ring_next_];
            window_.calls -= 1;
            window_.failures -= old & 1;
            window_.slow -= (old >> 1) & 1;
        } else {
            ++ring_used_;
        }
        ring_[ring_next_] = static_cast<std::uint8_t>((failure ? 1 : 0) | (slow ? 2 : 0));
        ring_next_ = (ring_next_ + 1) % ring_.size();
    } else {
        const auto second = std::chrono::duration_cast<std::chrono::seconds>(now - epoch_).count();
        expire_buckets(second);
        auto& bucket = buckets_[static_cast<std::size_t>(second) % buckets_.size()];
        bucket.second = second;
        bucket.counts.calls += 1;
        bucket.counts.failures += failure ? 1 : 0;
        bucket.counts.slow += slow ? 1 : 0;
    }
    window_.calls += 1;
    window_.failures += failure ? 1 : 0;
    window_.slow += slow ? 1 : 0;
}

// Drops buckets that fell out of the last `size` seconds; amortised O(1) per call. The window at
// second S covers (S - size, S]; the slot of every second in (last_second_, S] last held a second
// at or before S - size, so it leaves the totals.
void CircuitBreaker::expire_buckets(std::int64_t second) {
    if (second <= last_second_) {
        return;
    }
    const auto size = static_cast<std::int64_t>(buckets_.size());
    if (last_second_ < 0 || second - last_second_ >= size) {
        std::fill(buckets_.begin(), buckets_.end(), Bucket{});
        window_ = Counts{};
    } else {
        for (std::int64_t s = last_second_ + 1; s <= second; ++s) {
            auto& bucket = buckets_[static_cast<std::size_t>(s % size)];
            window_.calls -= bucket.counts.calls;
            window_.failures -= bucket.counts.failures;
            window_.slow -= bucket.counts.slow;
            bucket = Bucket{};
        }
    }
    last_second_ = second;
}

void CircuitBreaker::transition(BreakerState to, Clock::TimePoint now) {
    state_ = to;
    ++period_;
    if (to == BreakerState::kOpen) {
        opened_at_ = now;
    }
    half_open_issued_ = 0;
    half_open_ = Counts{};
    window_ = Counts{};
    std::fill(ring_.begin(), ring_.end(), 0);
    ring_next_ = 0;
    ring_used_ = 0;
    std::fill(buckets_.begin(), buckets_.end(), Bucket{});
    last_second_ = -1;
    publish();
    if (on_transition_) {
        on_transition_(to);
    }
}

}  // namespace scagent::plugins::governance
