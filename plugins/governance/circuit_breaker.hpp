#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "plugins/api/clock.hpp"
#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

enum class SlidingWindowType { kCountBased, kTimeBased };

/// `servicecomb.circuitBreaker.<name>` and `servicecomb.instanceIsolation.<name>` share this
/// shape (spec §4.3).
struct CircuitBreakerConfig {
    PolicyMeta meta;
    double failure_rate_threshold = 50;
    double slow_call_rate_threshold = 100;
    Duration slow_call_duration_threshold = std::chrono::milliseconds(60000);
    Duration wait_duration_in_open_state = std::chrono::milliseconds(60000);
    int permitted_calls_in_half_open_state = 10;
    int minimum_number_of_calls = 100;
    SlidingWindowType sliding_window_type = SlidingWindowType::kTimeBased;
    int sliding_window_size = 100;  // calls (COUNT_BASED) or seconds (TIME_BASED)
    std::vector<std::string> record_failure_status{"502", "503"};
    bool force_closed = false;
    bool force_open = false;

    bool operator==(const CircuitBreakerConfig&) const = default;
};

std::shared_ptr<const CircuitBreakerConfig> parse_circuit_breaker(const YAML::Node& root,
                                                                  std::string name,
                                                                  ItemErrors& errors);

enum class BreakerState { kClosed, kOpen, kHalfOpen, kForcedOpen, kForcedClosed };

std::string_view breaker_state_name(BreakerState state) noexcept;

/// The closed → open → half-open → closed machine of resilience4j, fed by call outcomes.
///
/// Invariants:
/// 1. Outcomes count only when recorded in the state that granted them; late results of calls
///    admitted before a transition are dropped.
/// 2. Closed: the window holds the last `slidingWindowSize` calls (COUNT_BASED) or the calls of
///    the last `slidingWindowSize` whole seconds (TIME_BASED); it is only judged once it holds
///    `minimumNumberOfCalls` (capped at the window size for COUNT_BASED).
/// 3. Half-open: exactly `permittedNumberOfCallsInHalfOpenState` calls are let through; their
///    rates decide between open and closed. Trial permits whose outcome has not come
///    `waitDurationInOpenState` after the last one was granted are given out again: a caller
///    that never reports (an app using `select` without `outcome`) cannot keep an instance
///    isolated for good.
/// 4. What most calls ask needs no lock: a closed breaker admits without one, and a success
///    added to a full COUNT_BASED window of successes changes nothing, so it is not added
///    (every proxied call asks both; the lock is taken only when something can change).
/// Thread-safe: one mutex per breaker; the two answers above are atomics published under it.
///
/// Invariant 1 holds for calls admitted by `acquire()`: the permit names the state period that
/// granted it. The untracked forms (`try_acquire`, `release()`, `record(outcome)`) serve an app
/// that reports outcomes later over the discovery API and holds no permit: its outcomes count in
/// whatever state they arrive.
class CircuitBreaker {
  public:
    /// Told each change of state, under the breaker's lock: keep it short, do not call back.
    using TransitionListener = std::function<void(BreakerState to)>;

    /// The state period (one per transition) that admitted a call.
    struct Permit {
        std::uint64_t period = 0;
    };

    CircuitBreaker(std::shared_ptr<const CircuitBreakerConfig> config, Clock& clock,
                   TransitionListener on_transition = {});

    /// Asks to make a call; in half-open this consumes one of the permitted calls.
    std::optional<Permit> acquire() noexcept;
    /// Gives back a permit whose call was never made (cancelled before sending); a permit of an
    /// earlier period gives back nothing.
    void release(Permit permit) noexcept;
    /// Reports the result of a call `acquire` admitted; dropped when the breaker has changed
    /// state since. True when this outcome opened the breaker (decided under its lock: one
    /// caller learns it per opening).
    bool record(const CallOutcome& outcome, Permit permit) noexcept;

    /// The untracked forms of the three above.
    bool try_acquire() noexcept { return acquire().has_value(); }
    void release() noexcept;
    bool record(const CallOutcome& outcome) noexcept;

    BreakerState state() const noexcept;
    /// Would `try_acquire` refuse right now? Does not change state.
    bool rejecting() const noexcept;
    const CircuitBreakerConfig& config() const noexcept { return *config_; }

  private:
    struct Counts {
        std::int64_t calls = 0;
        std::int64_t failures = 0;
        std::int64_t slow = 0;
    };
    struct Bucket {
        std::int64_t second = -1;
        Counts counts;
    };

    bool is_failure(const CallOutcome& outcome) const noexcept;
    bool over_threshold(const Counts& counts) const noexcept;
    void add_to_window(bool failure, bool slow, Clock::TimePoint now);
    void expire_buckets(std::int64_t second);
    void transition(BreakerState to, Clock::TimePoint now);
    bool open_elapsed(Clock::TimePoint now) const noexcept;
    bool trials_lost(Clock::TimePoint now) const noexcept;
    /// Publishes state_ with period_, and whether a success would change anything (under
    /// mutex_).
    void publish() noexcept;
    bool record_in(const CallOutcome& outcome, std::optional<std::uint64_t> period) noexcept;
    static BreakerState state_of(std::uint64_t published) noexcept {
        return static_cast<BreakerState>(published & 0xff);
    }

    std::shared_ptr<const CircuitBreakerConfig> config_;
    Clock& clock_;
    Clock::TimePoint epoch_;
    TransitionListener on_transition_;
    mutable std::mutex mutex_;
    // Read without the lock (invariant 4); written only under it, by publish(). The state and
    // its period in one word (period << 8 | state), so a lock-free admission names the period
    // of the state it saw.
    std::atomic<std::uint64_t> published_{static_cast<std::uint64_t>(BreakerState::kClosed)};
    std::atomic<bool> successes_change_nothing_{false};
    BreakerState state_ = BreakerState::kClosed;
    std::uint64_t period_ = 0;  // +1 on each transition
    static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
    Clock::TimePoint opened_at_{};
    // Closed window: totals plus either a ring of calls or a ring of one-second buckets.
    Counts window_;
    std::vector<std::uint8_t> ring_;  // bit 0 failure, bit 1 slow
    std::size_t ring_next_ = 0;
    std::size_t ring_used_ = 0;
    std::vector<Bucket> buckets_;
    std::int64_t last_second_ = -1;
    // Half-open trial.
    int half_open_issued_ = 0;
    Clock::TimePoint last_trial_at_{};
    Counts half_open_;
};

}  // namespace scagent::plugins::governance
