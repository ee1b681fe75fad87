#include <gtest/gtest.h>

#include "governance_test_support.hpp"

namespace scagent::plugins::governance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::parse_errors;
using testing::parse_ok;
using Errors = std::vector<std::string>;

// An empty mapping: every field takes its default. `{}` is not null, so it parses.
constexpr const char* kEmpty = "{}";

TEST(RetryParse, Defaults) {
    auto c = parse_ok<RetryConfig>("servicecomb.retry.r", kEmpty);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->meta.name, "r");
    EXPECT_EQ(c->meta.order, 0);
    EXPECT_EQ(c->max_attempts, 3);
    EXPECT_EQ(c->wait_duration, milliseconds(1));
    EXPECT_EQ(c->retry_on_response_status, (Errors{"502", "503"}));
    EXPECT_EQ(c->retry_on_same, 0);
    EXPECT_EQ(c->strategy, RetryStrategy::kFixedInterval);
    EXPECT_EQ(c->initial_interval, milliseconds(1000));
    EXPECT_EQ(c->multiplier, 2);
    EXPECT_EQ(c->randomization_factor, 0.5);
    EXPECT_FALSE(c->fail_after_max_attempts);
}

TEST(RetryParse, AllFields) {
    auto c = parse_ok<RetryConfig>("servicecomb.retry.r", R"(maxAttempts: 5
waitDuration: 0.2S
retryOnResponseStatus: [500, 5xx]
retryOnSame: 2
retryStrategy: RandomBackoff
initialInterval: 100
multiplier: 1.5
randomizationFactor: 0.25
failAfterMaxAttempts: true
order: -1
)");
    EXPECT_EQ(c->max_attempts, 5);
    EXPECT_EQ(c->wait_duration, milliseconds(200));
    EXPECT_EQ(c->retry_on_response_status, (Errors{"500", "5xx"}));
    EXPECT_EQ(c->retry_on_same, 2);
    EXPECT_EQ(c->strategy, RetryStrategy::kRandomBackoff);
    EXPECT_EQ(c->initial_interval, milliseconds(100));
    EXPECT_EQ(c->multiplier, 1.5);
    EXPECT_EQ(c->randomization_factor, 0.25);
    EXPECT_TRUE(c->fail_after_max_attempts);
    EXPECT_EQ(c->meta.order, -1);
}

TEST(RetryParse, KeysMustBeUniqueScalars) {
    const std::string k = "servicecomb.retry.r";
    EXPECT_EQ(parse_errors(k, "maxAttempts: 2\nmaxAttempts: 3\n"),
              Errors{k + ":2:1: maxAttempts: duplicate key"});
    EXPECT_EQ(parse_errors(k, "? [a]\n: 1\n"), Errors{k + ":1:3: keys must be scalars"});
}

TEST(RetryParse, WaitBelowOneMillisecondBecomesOneAndEmptyStatusListMeansDefault) {
    auto c = parse_ok<RetryConfig>("servicecomb.retry.r",
                                   "waitDuration: 0\nretryOnResponseStatus: []\n");
    EXPECT_EQ(c->wait_duration, milliseconds(1));
    EXPECT_EQ(c->retry_on_response_status, (Errors{"502", "503"}));
}

TEST(RetryParse, Validation) {
    const std::string k = "servicecomb.retry.r";
    EXPECT_EQ(parse_errors(k, "maxAttempts: 0"),
              Errors{k + ":1:14: maxAttempts: must be >= 1, got 0"});
    EXPECT_EQ(parse_errors(k, "maxAttempts: 1.5"),
              Errors{k + ":1:14: maxAttempts: must be an integer, got '1.5'"});
    EXPECT_EQ(parse_errors(k, "retryOnSame: -1"),
              Errors{k + ":1:14: retryOnSame: must be >= 0, got -1"});
    EXPECT_EQ(parse_errors(k, "retryStrategy: Exponential"),
              Errors{k + ":1:16: retryStrategy: must be FixedInterval or RandomBackoff, got "
                         "'Exponential'"});
    EXPECT_EQ(parse_errors(k, "initialInterval: 5"),
              Errors{k + ":1:18: initialInterval: must be >= 10ms, got 5ms"});
    EXPECT_EQ(parse_errors(k, "waitDuration: soon"),
              Errors{k + ":1:15: waitDuration: must be a duration: milliseconds (e.g. 500) or "
                         "ISO-8601 time (e.g. 10S, 1M, 0.5S), got 'soon'"});
    EXPECT_EQ(parse_errors(k, "retryOnResponseStatus: [503, oops]"),
              Errors{k + ":1:24: retryOnResponseStatus: entries must be HTTP status codes like "
                         "503 or classes like 5xx, got 'oops'"});
    EXPECT_EQ(parse_errors(k, "retryOnResponseStatus: 503"),
              Errors{k + ":1:24: retryOnResponseStatus: must be a list"});
    EXPECT_EQ(parse_errors(k, "retryStrategy: RandomBackoff\nmultiplier: 0.5"),
              Errors{k + ":2:13: multiplier: must be >= 1 for RandomBackoff, got 0.5"});
    EXPECT_EQ(parse_errors(k, "retryStrategy: RandomBackoff\nrandomizationFactor: 1"),
              Errors{k + ":2:22: randomizationFactor: must be in [0, 1) for RandomBackoff, got 1"});
    EXPECT_EQ(parse_errors(k, "failAfterMaxAttempts: maybe"),
              Errors{k + ":1:23: failAfterMaxAttempts: must be true or false, got 'maybe'"});
}

TEST(RetryParse, BackoffFieldsAreOnlyCheckedForRandomBackoff) {
    auto c = parse_ok<RetryConfig>("servicecomb.retry.r", "multiplier: 0.5\n");
    EXPECT_EQ(c->multiplier, 0.5);
}

TEST(RateLimitParse, JavaDefaultsAndFields) {
    auto d = parse_ok<RateLimitConfig>("servicecomb.rateLimiting.l", kEmpty);
    EXPECT_EQ(d->dialect, MatchDialect::kJava);
    EXPECT_EQ(d->rate, 1000);
    EXPECT_EQ(d->limit_refresh_period, milliseconds(1000));
    EXPECT_EQ(d->timeout_duration, milliseconds(0));
    auto c = parse_ok<RateLimitConfig>("servicecomb.rateLimiting.l",
                                       "rate: 10\nlimitRefreshPeriod: 1M\ntimeoutDuration: 50\n");
    EXPECT_EQ(c->rate, 10);
    EXPECT_EQ(c->limit_refresh_period, std::chrono::minutes(1));
    EXPECT_EQ(c->timeout_duration, milliseconds(50));
}

TEST(RateLimitParse, GoDialectIsRecognisedByMatch) {
    auto c = parse_ok<RateLimitConfig>("servicecomb.rateLimiting.l",
                                       "match: orders-marker\nrate: 20\nburst: 40\n");
    EXPECT_EQ(c->dialect, MatchDialect::kGo);
    EXPECT_EQ(c->match, "orders-marker");
    EXPECT_EQ(c->rate, 20);
    EXPECT_EQ(c->burst, 40);
    auto d = parse_ok<RateLimitConfig>("servicecomb.rateLimiting.l", "match: m\n");
    EXPECT_EQ(d->burst, 0) << "0 means a bucket of `rate`";
}

TEST(RateLimitParse, Validation) {
    const std::string k = "servicecomb.rateLimiting.l";
    EXPECT_EQ(parse_errors(k, "rate: 0"), Errors{k + ":1:7: rate: must be > 0, got 0"});
    EXPECT_EQ(parse_errors(k, "limitRefreshPeriod: 0"),
              Errors{k + ":1:21: limitRefreshPeriod: must be > 0, got 0ms"});
    EXPECT_EQ(parse_errors(k, "timeoutDuration: -1"),
              Errors{k + ":1:18: timeoutDuration: must be >= 0, got -1ms"});
    EXPECT_EQ(parse_errors(k, "match: \"\""),
              Errors{k + ":1:8: match: must name a servicecomb.match item"});
    EXPECT_EQ(parse_errors(k, "match: m\nburst: 0"),
              Errors{k + ":2:8: burst: must be >= 1, got 0"});
    // Overflowing, huge and hugely negative durations are errors, never wrapped or clamped.
    EXPECT_EQ(parse_errors(k, "limitRefreshPeriod: PT3000000H"),
              Errors{k + ":1:21: limitRefreshPeriod: must be a duration: milliseconds (e.g. 500) "
                         "or ISO-8601 time (e.g. 10S, 1M, 0.5S), got 'PT3000000H'"});
    EXPECT_EQ(parse_errors(k, "limitRefreshPeriod: PT2562047H"),
              Errors{k + ":1:21: limitRefreshPeriod: must be within ±168H (7 days), got "
                         "'PT2562047H'"});
    EXPECT_EQ(parse_errors(k, "timeoutDuration: -9999999999"),
              Errors{k + ":1:18: timeoutDuration: must be within ±168H (7 days), got "
                         "'-9999999999'"});
    EXPECT_EQ(parse_ok<RateLimitConfig>(k, "limitRefreshPeriod: PT168H")->limit_refresh_period,
              std::chrono::hours(168));
    EXPECT_EQ(parse_errors(k, "rate: -1\nlimitRefreshPeriod: x"),
              (Errors{k + ":1:7: rate: must be > 0, got -1",
                      k + ":2:21: limitRefreshPeriod: must be a duration: milliseconds (e.g. 500) "
                          "or ISO-8601 time (e.g. 10S, 1M, 0.5S), got 'x'"}));
}

TEST(CircuitBreakerParse, Defaults) {
    for (const char* key : {"servicecomb.circuitBreaker.b", "servicecomb.instanceIsolation.b"}) {
        auto c = parse_ok<CircuitBreakerConfig>(key, kEmpty);
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->failure_rate_threshold, 50);
        EXPECT_EQ(c->slow_call_rate_threshold, 100);
        EXPECT_EQ(c->slow_call_duration_threshold, milliseconds(60000));
        EXPECT_EQ(c->wait_duration_in_open_state, milliseconds(60000));
        EXPECT_EQ(c->permitted_calls_in_half_open_state, 10);
        EXPECT_EQ(c->minimum_number_of_calls, 100);
        EXPECT_EQ(c->sliding_window_type, SlidingWindowType::kTimeBased);
        EXPECT_EQ(c->sliding_window_size, 100);
        EXPECT_EQ(c->record_failure_status, (Errors{"502", "503"}));
        EXPECT_FALSE(c->force_closed);
        EXPECT_FALSE(c->force_open);
    }
}

TEST(CircuitBreakerParse, Fields) {
    auto c = parse_ok<CircuitBreakerConfig>("servicecomb.circuitBreaker.b", R"(
failureRateThreshold: 30.5
slowCallRateThreshold: 80
slowCallDurationThreshold: 2S
waitDurationInOpenState: 10000
permittedNumberOfCallsInHalfOpenState: 3
minimumNumberOfCalls: 5
slidingWindowType: COUNT_BASED
slidingWindowSize: 20
recordFailureStatus: [500]
forceOpen: true
)");
    EXPECT_EQ(c->failure_rate_threshold, 30.5);
    EXPECT_EQ(c->slow_call_rate_threshold, 80);
    EXPECT_EQ(c->slow_call_duration_threshold, seconds(2));
    EXPECT_EQ(c->wait_duration_in_open_state, seconds(10));
    EXPECT_EQ(c->permitted_calls_in_half_open_state, 3);
    EXPECT_EQ(c->minimum_number_of_calls, 5);
    EXPECT_EQ(c->sliding_window_type, SlidingWindowType::kCountBased);
    EXPECT_EQ(c->sliding_window_size, 20);
    EXPECT_EQ(c->record_failure_status, Errors{"500"});
    EXPECT_TRUE(c->force_open);
}

TEST(CircuitBreakerParse, WindowTypeUnknownMeansTimeBasedAndSizeMayBeADuration) {
    auto c = parse_ok<CircuitBreakerConfig>("servicecomb.circuitBreaker.b",
                                            "slidingWindowType: count\nslidingWindowSize: 1M\n");
    EXPECT_EQ(c->sliding_window_type, SlidingWindowType::kTimeBased);
    EXPECT_EQ(c->sliding_window_size, 60);
}

TEST(CircuitBreakerParse, Validation) {
    const std::string k = "servicecomb.circuitBreaker.b";
    EXPECT_EQ(parse_errors(k, "failureRateThreshold: 0"),
              Errors{k + ":1:23: failureRateThreshold: must be in (0, 100], got 0"});
    EXPECT_EQ(parse_errors(k, "failureRateThreshold: 100.5"),
              Errors{k + ":1:23: failureRateThreshold: must be in (0, 100], got 100.5"});
    EXPECT_EQ(parse_errors(k, "slowCallRateThreshold: -3"),
              Errors{k + ":1:24: slowCallRateThreshold: must be in (0, 100], got -3"});
    EXPECT_EQ(parse_errors(k, "slowCallDurationThreshold: 0"),
              Errors{k + ":1:28: slowCallDurationThreshold: must be > 0, got 0ms"});
    EXPECT_EQ(parse_errors(k, "waitDurationInOpenState: -1S"),
              Errors{k + ":1:26: waitDurationInOpenState: must be > 0, got -1s"});
    EXPECT_EQ(parse_errors(k, "permittedNumberOfCallsInHalfOpenState: 0"),
              Errors{k + ":1:40: permittedNumberOfCallsInHalfOpenState: must be > 0, got 0"});
    EXPECT_EQ(parse_errors(k, "minimumNumberOfCalls: 0"),
              Errors{k + ":1:23: minimumNumberOfCalls: must be > 0, got 0"});
    EXPECT_EQ(parse_errors(k, "slidingWindowSize: 0"),
              Errors{k + ":1:20: slidingWindowSize: must be in [1, 1000000], got 0"});
    EXPECT_EQ(parse_errors(k, "slidingWindowSize: 2000000"),
              Errors{k + ":1:20: slidingWindowSize: must be in [1, 1000000], got 2000000"});
    EXPECT_EQ(parse_errors(k, "slidingWindowSize: lots"),
              Errors{k + ":1:20: slidingWindowSize: must be a number of calls/seconds or a "
                         "duration such as 10S, got 'lots'"});
    EXPECT_EQ(parse_errors(k, "recordFailureStatus: [five]"),
              Errors{k + ":1:22: recordFailureStatus: entries must be HTTP status codes like 503 "
                         "or classes like 5xx, got 'five'"});
    EXPECT_EQ(parse_errors("servicecomb.instanceIsolation.i", "minimumNumberOfCalls: -2"),
              Errors{"servicecomb.instanceIsolation.i:1:23: minimumNumberOfCalls: must be > 0, "
                     "got -2"});
}

TEST(BulkheadParse, DefaultsFieldsValidation) {
    const std::string k = "servicecomb.bulkhead.h";
    auto d = parse_ok<BulkheadConfig>(k, kEmpty);
    EXPECT_EQ(d->max_concurrent_calls, 1000);
    EXPECT_EQ(d->max_wait_duration, milliseconds(0));
    auto c = parse_ok<BulkheadConfig>(k, "maxConcurrentCalls: 0\nmaxWaitDuration: 1S\n");
    EXPECT_EQ(c->max_concurrent_calls, 0);
    EXPECT_EQ(c->max_wait_duration, seconds(1));
    EXPECT_EQ(parse_errors(k, "maxConcurrentCalls: -1"),
              Errors{k + ":1:21: maxConcurrentCalls: must be >= 0, got -1"});
    EXPECT_EQ(parse_errors(k, "maxWaitDuration: -10"),
              Errors{k + ":1:18: maxWaitDuration: must be >= 0, got -10ms"});
}

TEST(LoadBalanceParse, RuleIsRequiredAndKnown) {
    const std::string k = "servicecomb.loadbalance.lb";
    for (const char* rule : {"RoundRobin", "Random", "WeightedResponse", "SessionStickiness",
                             "LeastRequest", "ConsistentHash"}) {
        auto c = parse_ok<LoadBalanceConfig>(k, std::string("rule: ") + rule);
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->rule, rule);
    }
    const std::string known =
        "RoundRobin, Random, WeightedResponse, SessionStickiness, "
        "LeastRequest, ConsistentHash";
    EXPECT_EQ(parse_errors(k, kEmpty),
              Errors{k + ":1:1: rule: is required (known: " + known + ")"});
    EXPECT_EQ(parse_errors(k, "rule: roundrobin"),
              Errors{k + ":1:7: rule: unknown load balancer 'roundrobin' (known: " + known + ")"});
}

TEST(FaultInjectionParse, DefaultsAndFields) {
    const std::string k = "servicecomb.faultInjection.f";
    auto d = parse_ok<FaultInjectionConfig>(k, "percentage: 10\ndelayTime: 100\n");
    EXPECT_EQ(d->type, FaultType::kDelay);
    EXPECT_EQ(d->delay_time, milliseconds(100));
    EXPECT_EQ(d->percentage, 10);
    EXPECT_EQ(d->error_code, 500);
    EXPECT_FALSE(d->force_closed);
    EXPECT_EQ(d->fallback_type, "ThrowException");
    auto a = parse_ok<FaultInjectionConfig>(
        k,
        "type: abort\npercentage: 100\nerrorCode: 503\nforceClosed: true\nfallbackType: "
        "ReturnNull\n");
    EXPECT_EQ(a->type, FaultType::kAbort);
    EXPECT_EQ(a->delay_time, std::nullopt);
    EXPECT_EQ(a->error_code, 503);
    EXPECT_TRUE(a->force_closed);
    EXPECT_EQ(a->fallback_type, "ReturnNull");
}

TEST(FaultInjectionParse, Validation) {
    const std::string k = "servicecomb.faultInjection.f";
    EXPECT_EQ(parse_errors(k, "delayTime: 10"),
              Errors{k + ":1:1: percentage: is required: an integer in [0, 100]"});
    EXPECT_EQ(parse_errors(k, "percentage: 101\ndelayTime: 1"),
              Errors{k + ":1:13: percentage: must be in [0, 100], got 101"});
    EXPECT_EQ(parse_errors(k, "percentage: 5"),
              Errors{k + ":1:1: delayTime: is required when type is delay"});
    EXPECT_EQ(parse_errors(k, "percentage: 5\ndelayTime: -1"),
              Errors{k + ":2:12: delayTime: must be >= 0, got -1ms"});
    EXPECT_EQ(parse_errors(k, "type: drop\npercentage: 5"),
              (Errors{k + ":1:7: type: must be delay or abort, got 'drop'",
                      k + ":1:1: delayTime: is required when type is delay"}));
    EXPECT_EQ(parse_errors(k, "type: abort\npercentage: 5\nerrorCode: 700"),
              Errors{k + ":3:12: errorCode: must be in [200, 600], got 700"});
    EXPECT_EQ(parse_errors(k, "type: abort\npercentage: 5\nfallbackType: Ignore"),
              Errors{k + ":3:15: fallbackType: must be ThrowException or ReturnNull, got "
                         "'Ignore'"});
}

TEST(ItemParse, KeysThatAreNotAppliedAreIgnoredNotRejected) {
    for (const char* key : {"servicecomb.identifierRateLimiting.t", "servicecomb.mapper.m",
                            "servicecomb.darklaunch.policy.svc", "app.feature.flag"}) {
        ParsedItem item = parse_item(key, "timeoutDuration: 1000");
        EXPECT_EQ(item.kind, Kind::kOther) << key;
        EXPECT_FALSE(item.ok());
        EXPECT_TRUE(item.errors.empty());
        EXPECT_FALSE(item.ignored_reason.empty());
    }
    EXPECT_EQ(parse_item("servicecomb.mapper.t", "").ignored_reason,
              "kind 'mapper' is not applied by sc-agent");
}

TEST(ItemParse, TimeLimiterReadsItsTimeoutInEveryDurationDialect) {
    const auto millis = [](std::string_view value) {
        ParsedItem item = parse_item("servicecomb.timeLimiter.t", value);
        EXPECT_TRUE(item.ok()) << value;
        if (!item.ok()) {
            return std::int64_t{-1};
        }
        const auto& config = std::get<std::shared_ptr<const TimeLimiterConfig>>(item.config);
        return static_cast<std::int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(config->timeout_duration)
                .count());
    };
    EXPECT_EQ(millis("timeoutDuration: 1500"), 1500);
    EXPECT_EQ(millis("timeoutDuration: PT0.25S"), 250);
    EXPECT_EQ(millis("cancelRunningFuture: false"), 1000);  // the Java default
    ParsedItem zero = parse_item("servicecomb.timeLimiter.t", "timeoutDuration: 0");
    EXPECT_FALSE(zero.ok());
    ASSERT_EQ(zero.errors.size(), 1u);
    EXPECT_NE(zero.rendered_errors()[0].find("timeoutDuration: must be > 0"), std::string::npos)
        << zero.rendered_errors()[0];
}

TEST(ItemParse, NameMayContainDots) {
    auto c = parse_ok<RetryConfig>("servicecomb.retry.orders.v2", kEmpty);
    EXPECT_EQ(c->meta.name, "orders.v2");
}

TEST(ItemParse, ConfigsCompareByValue) {
    auto a =
        parse_ok<CircuitBreakerConfig>("servicecomb.circuitBreaker.b", "minimumNumberOfCalls: 5");
    auto b = parse_ok<CircuitBreakerConfig>("servicecomb.circuitBreaker.b",
                                            "# reformatted\nminimumNumberOfCalls:   5\n");
    auto c =
        parse_ok<CircuitBreakerConfig>("servicecomb.circuitBreaker.b", "minimumNumberOfCalls: 6");
    EXPECT_EQ(*a, *b);
    EXPECT_NE(*a, *c);
}

}  // namespace
}  // namespace scagent::plugins::governance
