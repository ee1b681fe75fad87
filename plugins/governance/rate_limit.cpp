#include "plugins/governance/rate_limit.hpp"

#include <algorithm>

#include "plugins/governance/duration.hpp"
#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const RateLimitConfig> parse_rate_limit(const YAML::Node& root, std::string name,
                                                        ItemErrors& errors) {
    return parse_policy<RateLimitConfig>(
        root, std::move(name), errors, [&](Fields& f, RateLimitConfig* c) {
            if (f.has("match")) {
                c->dialect = MatchDialect::kGo;
                if (f.read("match", c->match) && c->match.empty()) {
                    f.error("match", "must name a servicecomb.match item");
                }
                if (f.read("burst", c->burst) && c->burst < 1) {
                    f.error("burst", "must be >= 1, got " + std::to_string(c->burst));
                }
            }
            if (f.read("rate", c->rate) && c->rate <= 0) {
                f.error("rate", "must be > 0, got " + std::to_string(c->rate));
            }
            if (f.read_duration("limitRefreshPeriod", c->limit_refresh_period) &&
                c->limit_refresh_period <= Duration::zero()) {
                f.error("limitRefreshPeriod",
                        "must be > 0, got " + format_duration(c->limit_refresh_period));
            }
            if (f.read_duration("timeoutDuration", c->timeout_duration) &&
                c->timeout_duration < Duration::zero()) {
                f.error("timeoutDuration",
                        "must be >= 0, got " + format_duration(c->timeout_duration));
            }
        });
}

RateLimiter::RateLimiter(std::shared_ptr<const RateLimitConfig> config, Clock& clock)
    : config_(std::move(config)), clock_(clock), start_(clock.now()) {
    permits_ = config_->rate;
    tokens_ = config_->burst > 0 ? config_->burst : config_->rate;
    refilled_at_ = start_;
}

RateLimitDecision RateLimiter::acquire() noexcept {
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    return config_->dialect == MatchDialect::kGo ? acquire_bucket(now) : acquire_window(now);
}

RateLimitDecision RateLimiter::peek() noexcept {
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    // acquire_* on the state as it is, then the state put back: one code path decides both.
    const auto period = period_;
    const auto permits = permits_;
    const auto tokens = tokens_;
    const auto refilled_at = refilled_at_;
    const auto decision =
        config_->dialect == MatchDialect::kGo ? acquire_bucket(now) : acquire_window(now);
    period_ = period;
    permits_ = permits;
    tokens_ = tokens;
    refilled_at_ = refilled_at;
    return decision;
}

// Periods are aligned to the limiter's creation, like resilience4j's AtomicRateLimiter.
RateLimitDecision RateLimiter::acquire_window(Clock::TimePoint now) {
    const auto period_length = config_->limit_refresh_period;
    const std::int64_t rate = config_->rate;
    const std::int64_t period = (now - start_) / period_length;
    if (period > period_) {
        // Refill: at most `rate` permits can be banked, reservations are paid back first.
        // Bounding `elapsed` first keeps the product from overflowing after long idle times.
        const std::int64_t elapsed = period - period_;
        const std::int64_t enough = (rate - permits_) / rate + 1;
        permits_ = elapsed >= enough ? rate : std::min(rate, permits_ + elapsed * rate);
        period_ = period;
    }
    if (permits_ > 0) {
        --permits_;
        return {true, Duration::zero()};
    }
    // The next free permit appears in the first period where the debt is repaid.
    const std::int64_t periods_ahead = (1 - permits_ + rate - 1) / rate;
    const auto available_at = start_ + (period_ + periods_ahead) * period_length;
    const Duration wait = available_at - now;
    if (wait > config_->timeout_duration) {
        return {false, wait};
    }
    --permits_;
    return {true, wait};
}

RateLimitDecision RateLimiter::acquire_bucket(Clock::TimePoint now) {
    const double capacity = config_->burst > 0 ? config_->burst : config_->rate;
    const double per_ns = static_cast<double>(config_->rate) / 1e9;
    const auto elapsed = std::chrono::duration_cast<Duration>(now - refilled_at_).count();
    tokens_ = std::min(capacity, tokens_ + static_cast<double>(elapsed) * per_ns);
    refilled_at_ = now;
    if (tokens_ >= 1) {
        tokens_ -= 1;
        return {true, Duration::zero()};
    }
    // go-chassis never queues: report how long until the next token for Retry-After.
    return {false, Duration(static_cast<Duration::rep>((1 - tokens_) / per_ns))};
}

}  // namespace scagent::plugins::governance
