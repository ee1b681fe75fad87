#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <yaml-cpp/yaml.h>

#include "plugins/api/clock.hpp"
#include "plugins/governance/common.hpp"
#include "plugins/governance/match/match_group.hpp"

namespace scagent::plugins::governance {

/// `servicecomb.rateLimiting.<name>`. The java-chassis form (spec §4.3) hands out `rate` permits
/// per `limitRefreshPeriod`; the go-chassis form (spec §4.5, recognised by its `match:` key) is a
/// token bucket of `rate` per second with `burst` capacity, associated via `match` instead of
/// by name.
struct RateLimitConfig {
    PolicyMeta meta;
    MatchDialect dialect = MatchDialect::kJava;
    int rate = 1000;
    Duration limit_refresh_period = std::chrono::milliseconds(1000);
    Duration timeout_duration{};
    std::string match;  // go-chassis: the marker name
    int burst = 0;      // go-chassis: bucket size; 0 means `rate`

    bool operator==(const RateLimitConfig&) const = default;
};

std::shared_ptr<const RateLimitConfig> parse_rate_limit(const YAML::Node& root, std::string name,
                                                        ItemErrors& errors);

struct RateLimitDecision {
    bool admitted = false;
    Duration wait{};  // admitted: how long to hold the request before forwarding it
};

/// Permit accounting for one rate-limiting policy; thread-safe (one small mutex).
class RateLimiter {
  public:
    RateLimiter(std::shared_ptr<const RateLimitConfig> config, Clock& clock);

    /// Takes one permit now, or reserves one from a later period when that is within
    /// `timeoutDuration` (the caller then waits `wait`), or rejects without reserving.
    RateLimitDecision acquire() noexcept;
    /// What acquire() would answer now, taking nothing (`/v1/explain`).
    RateLimitDecision peek() noexcept;
    const RateLimitConfig& config() const noexcept { return *config_; }

  private:
    RateLimitDecision acquire_window(Clock::TimePoint now);
    RateLimitDecision acquire_bucket(Clock::TimePoint now);

    std::shared_ptr<const RateLimitConfig> config_;
    Clock& clock_;
    std::mutex mutex_;
    Clock::TimePoint start_;
    // Fixed window: the period last seen and the permits left in it (negative = reserved ahead).
    std::int64_t period_ = 0;
    std::int64_t permits_ = 0;
    // Token bucket.
    double tokens_ = 0;
    Clock::TimePoint refilled_at_;
};

}  // namespace scagent::plugins::governance
