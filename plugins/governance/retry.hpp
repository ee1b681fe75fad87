#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "plugins/api/rng.hpp"
#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

enum class RetryStrategy { kFixedInterval, kRandomBackoff };

/// `servicecomb.retry.<name>` (spec §4.3), immutable after parsing.
struct RetryConfig {
    PolicyMeta meta;
    int max_attempts = 3;  // retries, not calls: up to max_attempts + 1 calls in total
    Duration wait_duration = std::chrono::milliseconds(1);
    std::vector<std::string> retry_on_response_status{"502", "503"};
    int retry_on_same = 0;
    RetryStrategy strategy = RetryStrategy::kFixedInterval;
    Duration initial_interval = std::chrono::milliseconds(1000);
    double multiplier = 2;
    double randomization_factor = 0.5;
    bool fail_after_max_attempts = false;

    bool operator==(const RetryConfig&) const = default;
};

std::shared_ptr<const RetryConfig> parse_retry(const YAML::Node& root, std::string name,
                                               ItemErrors& errors);

enum class RetryAction {
    kDone,    // the outcome is final (success, or a failure that is not retried)
    kRetry,   // try again after `delay`
    kGiveUp,  // retryable, but the retries are used up
};

struct RetryDecision {
    RetryAction action = RetryAction::kDone;
    Duration delay{};
    bool same_instance = false;  // kRetry: the first `retryOnSame` retries stay on the instance
    bool fail = false;           // kGiveUp with failAfterMaxAttempts: report an error instead
};

/// Per-request retry bookkeeping. Not shared between requests, so not synchronised.
class RetryState {
  public:
    RetryState(std::shared_ptr<const RetryConfig> config, Rng& rng)
        : config_(std::move(config)), rng_(rng) {}

    /// Call once after every attempt with what it produced.
    RetryDecision on_outcome(const CallOutcome& outcome);
    int retries_done() const noexcept { return retries_; }
    bool retryable(const CallOutcome& outcome) const noexcept;
    /// The wait before retry number `retry` (1-based).
    Duration backoff(int retry);

  private:
    std::shared_ptr<const RetryConfig> config_;
    Rng& rng_;
    int retries_ = 0;
};

}  // namespace scagent::plugins::governance
