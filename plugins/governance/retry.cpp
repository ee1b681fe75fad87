#include "plugins/governance/retry.hpp"

#include <cmath>

#include "plugins/governance/duration.hpp"
#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const RetryConfig> parse_retry(const YAML::Node& root, std::string name,
                                               ItemErrors& errors) {
    return parse_policy<RetryConfig>(root, std::move(name), errors, [&](Fields& f, RetryConfig* c) {
        if (f.read("maxAttempts", c->max_attempts) && c->max_attempts < 1) {
            f.error("maxAttempts", "must be >= 1, got " + std::to_string(c->max_attempts));
        }
        // java-chassis turns anything below 1 ms into 1 ms rather than rejecting it (spec §4.3).
        if (f.read_duration("waitDuration", c->wait_duration) &&
            c->wait_duration < std::chrono::milliseconds(1)) {
            c->wait_duration = std::chrono::milliseconds(1);
        }
        std::vector<std::string> statuses;
        if (f.read("retryOnResponseStatus", statuses) &&
            check_status_list(f, "retryOnResponseStatus", statuses) && !statuses.empty()) {
            c->retry_on_response_status = std::move(statuses);
        }
        if (f.read("retryOnSame", c->retry_on_same) && c->retry_on_same < 0) {
            f.error("retryOnSame", "must be >= 0, got " + std::to_string(c->retry_on_same));
        }
        std::string strategy;
        if (f.read("retryStrategy", strategy)) {
            if (strategy == "RandomBackoff") {
                c->strategy = RetryStrategy::kRandomBackoff;
            } else if (strategy != "FixedInterval") {
                f.error("retryStrategy",
                        "must be FixedInterval or RandomBackoff, got '" + strategy + "'");
            }
        }
        if (f.read_duration("initialInterval", c->initial_interval) &&
            c->initial_interval < std::chrono::milliseconds(10)) {
            f.error("initialInterval",
                    "must be >= 10ms, got " + format_duration(c->initial_interval));
        }
        // The backoff function rejects these; only checked where they are used.
        const bool random = c->strategy == RetryStrategy::kRandomBackoff;
        if (f.read("multiplier", c->multiplier) && random && c->multiplier < 1) {
            f.error("multiplier",
                    "must be >= 1 for RandomBackoff, got " + format_number(c->multiplier));
        }
        if (f.read("randomizationFactor", c->randomization_factor) && random &&
            (c->randomization_factor < 0 || c->randomization_factor >= 1)) {
            f.error("randomizationFactor", "must be in [0, 1) for RandomBackoff, got " +
                                               format_number(c->randomization_factor));
        }
        f.read("failAfterMaxAttempts", c->fail_after_max_attempts);
    });
}

bool RetryState::retryable(const CallOutcome& outcome) const noexcept {
    if (outcome.transport_error) {
        return true;
    }
    return outcome.status && status_listed(config_->retry_on_response_status, *outcome.status);
}

Duration RetryState::backoff(int retry) {
    if (config_->strategy == RetryStrategy::kFixedInterval) {
        return config_->wait_duration;
    }
    const double base = static_cast<double>(config_->initial_interval.count()) *
                        std::pow(config_->multiplier, retry - 1);
    const double f = config_->randomization_factor;
    // Uniform in [base * (1 - f), base * (1 + f)].
    const double value = base * (1 - f + 2 * f * rng_.unit());
    constexpr double kMax = 3600e9;  // an hour, far beyond any sane request deadline
    return Duration(static_cast<Duration::rep>(std::min(value, kMax)));
}

RetryDecision RetryState::on_outcome(const CallOutcome& outcome) {
    RetryDecision d;
    if (!retryable(outcome)) {
        return d;
    }
    if (retries_ >= config_->max_attempts) {
        d.action = RetryAction::kGiveUp;
        d.fail = config_->fail_after_max_attempts;
        return d;
    }
    ++retries_;
    d.action = RetryAction::kRetry;
    d.delay = backoff(retries_);
    d.same_instance = retries_ <= config_->retry_on_same;
    return d;
}

}  // namespace scagent::plugins::governance
