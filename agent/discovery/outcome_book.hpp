#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "plugins/api/clock.hpp"
#include "plugins/api/instance.hpp"

namespace scagent::discovery {

struct OutcomeBookOptions {
    /// Consecutive failures after which an instance counts as bad.
    int failure_threshold = 3;
    /// How long a bad instance is skipped after its last failure; then it gets traffic again
    /// (a success clears it at once).
    std::chrono::milliseconds bad_for = std::chrono::seconds(30);
    /// Records untouched this long are forgotten, so ids of long-gone instances do not pile up.
    std::chrono::milliseconds forget_after = std::chrono::minutes(10);
};

/// Outcomes of calls the app made itself (`POST /v1/services/{name}/outcome`), per instance id.
/// `select` skips instances it reports bad; the governance issue feeds the same records into
/// instance isolation and breakers.
///
/// Thread-safe (one mutex; record and excluded are short and not on the proxy's path).
class OutcomeBook {
  public:
    using Options = OutcomeBookOptions;

    explicit OutcomeBook(plugins::Clock& clock, Options options = {})
        : clock_(clock), options_(options) {}

    void record(std::string_view instance_id, bool success, std::chrono::milliseconds latency);
    /// True while `instance_id` has failure_threshold consecutive failures, the last one less
    /// than bad_for ago.
    bool is_bad(std::string_view instance_id) const;
    /// The bad ones among `set`, as the load balancers' exclusion list.
    plugins::Excluded excluded(const plugins::InstanceSet& set) const;

    struct Record {
        std::uint64_t successes = 0;
        std::uint64_t failures = 0;
        int consecutive_failures = 0;
        std::chrono::milliseconds last_latency{0};
        plugins::Clock::TimePoint last_failure{};
        plugins::Clock::TimePoint updated{};
    };
    /// A copy of one record (tests, governance).
    Record record_of(std::string_view instance_id) const;

  private:
    bool bad_locked(const Record& record, plugins::Clock::TimePoint now) const;
    void forget_stale_locked(plugins::Clock::TimePoint now);

    plugins::Clock& clock_;
    Options options_;
    mutable std::mutex mutex_;
    std::map<std::string, Record, std::less<>> records_;  // guarded by mutex_
    plugins::Clock::TimePoint last_sweep_{};              // guarded by mutex_
};

}  // namespace scagent::discovery
