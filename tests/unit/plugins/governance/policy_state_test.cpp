#include <gtest/gtest.h>

#include "governance_test_support.hpp"
#include "plugins/api/fake_clock.hpp"
#include "plugins/governance/bulkhead.hpp"
#include "plugins/governance/fault_injection.hpp"
#include "plugins/governance/policy_state_cache.hpp"
#include "plugins/governance/rate_limit.hpp"
#include "plugins/governance/retry.hpp"

namespace scagent::plugins::governance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::parse_ok;

std::shared_ptr<const RateLimitConfig> limit(const std::string& yaml) {
    return parse_ok<RateLimitConfig>("servicecomb.rateLimiting.l", yaml);
}

TEST(RateLimiter, AdmitsExactlyRatePerPeriod) {
    FakeClock clock;
    RateLimiter limiter(limit("rate: 5\nlimitRefreshPeriod: 1S\n"), clock);
    for (int period = 0; period < 3; ++period) {
        int admitted = 0;
        for (int i = 0; i < 20; ++i) {
            admitted += limiter.acquire().admitted ? 1 : 0;
            clock.advance(milliseconds(10));  // 20 tries spread over 200 ms of the period
        }
        EXPECT_EQ(admitted, 5) << "period " << period;
        clock.advance(milliseconds(800));
    }
}

TEST(RateLimiter, RejectionSaysHowLongUntilTheNextPeriod) {
    FakeClock clock;
    RateLimiter limiter(limit("rate: 1\nlimitRefreshPeriod: 1S\n"), clock);
    ASSERT_TRUE(limiter.acquire().admitted);
    clock.advance(milliseconds(300));
    auto d = limiter.acquire();
    EXPECT_FALSE(d.admitted);
    EXPECT_EQ(d.wait, milliseconds(700));
}

TEST(RateLimiter, WaitsForAPermitWithinTimeout) {
    FakeClock clock;
    RateLimiter limiter(limit("rate: 2\nlimitRefreshPeriod: 100\ntimeoutDuration: 150\n"), clock);
    EXPECT_EQ(limiter.acquire().wait, milliseconds(0));
    EXPECT_EQ(limiter.acquire().wait, milliseconds(0));
    clock.advance(milliseconds(40));
    // Permits of the next period are reserved: 60 ms away, twice; then 160 ms is too long.
    auto a = limiter.acquire();
    auto b = limiter.acquire();
    auto c = limiter.acquire();
    EXPECT_TRUE(a.admitted);
    EXPECT_EQ(a.wait, milliseconds(60));
    EXPECT_TRUE(b.admitted);
    EXPECT_EQ(b.wait, milliseconds(60));
    EXPECT_FALSE(c.admitted);
    EXPECT_EQ(c.wait, milliseconds(160));
    // a and b took both permits of the next period: a request then waits for the one after.
    clock.advance(milliseconds(60));
    auto d = limiter.acquire();
    EXPECT_TRUE(d.admitted);
    EXPECT_EQ(d.wait, milliseconds(100));
}

TEST(RateLimiter, IdlePeriodsDoNotBankMoreThanRate) {
    FakeClock clock;
    RateLimiter limiter(limit("rate: 3\nlimitRefreshPeriod: 1S\n"), clock);
    clock.advance(std::chrono::hours(24 * 365));
    int admitted = 0;
    for (int i = 0; i < 10; ++i) {
        admitted += limiter.acquire().admitted ? 1 : 0;
    }
    EXPECT_EQ(admitted, 3);
}

TEST(RateLimiter, GoDialectIsATokenBucket) {
    FakeClock clock;
    RateLimiter limiter(limit("match: m\nrate: 10\nburst: 2\n"), clock);
    EXPECT_TRUE(limiter.acquire().admitted);
    EXPECT_TRUE(limiter.acquire().admitted);
    auto rejected = limiter.acquire();
    EXPECT_FALSE(rejected.admitted);
    EXPECT_EQ(rejected.wait, milliseconds(100));
    clock.advance(milliseconds(100));
    EXPECT_TRUE(limiter.acquire().admitted);
    EXPECT_FALSE(limiter.acquire().admitted);
}

std::shared_ptr<const RetryConfig> retry(const std::string& yaml) {
    return parse_ok<RetryConfig>("servicecomb.retry.r", yaml);
}

TEST(RetryState, RetriesListedStatusesMaxAttemptsTimes) {
    SeededRng rng(1);
    RetryState state(retry("maxAttempts: 2\nwaitDuration: 30\n"), rng);
    EXPECT_EQ(state.on_outcome({200, false, {}}).action, RetryAction::kDone);
    auto first = state.on_outcome({503, false, {}});
    EXPECT_EQ(first.action, RetryAction::kRetry);
    EXPECT_EQ(first.delay, milliseconds(30));
    EXPECT_EQ(state.on_outcome({std::nullopt, true, {}}).action, RetryAction::kRetry);
    auto last = state.on_outcome({502, false, {}});
    EXPECT_EQ(last.action, RetryAction::kGiveUp);
    EXPECT_FALSE(last.fail);
    EXPECT_EQ(state.retries_done(), 2);
}

TEST(RetryState, UnlistedStatusIsFinalAndFailAfterMaxAttempts) {
    SeededRng rng(1);
    RetryState state(retry("maxAttempts: 1\nretryOnResponseStatus: [429]\n"
                           "failAfterMaxAttempts: true\n"),
                     rng);
    EXPECT_EQ(state.on_outcome({503, false, {}}).action, RetryAction::kDone);
    EXPECT_EQ(state.on_outcome({429, false, {}}).action, RetryAction::kRetry);
    auto last = state.on_outcome({429, false, {}});
    EXPECT_EQ(last.action, RetryAction::kGiveUp);
    EXPECT_TRUE(last.fail);
}

TEST(RetryState, RetryOnSameKeepsTheFirstRetriesOnTheInstance) {
    SeededRng rng(1);
    RetryState state(retry("maxAttempts: 3\nretryOnSame: 1\n"), rng);
    EXPECT_TRUE(state.on_outcome({503, false, {}}).same_instance);
    EXPECT_FALSE(state.on_outcome({503, false, {}}).same_instance);
    EXPECT_FALSE(state.on_outcome({503, false, {}}).same_instance);
}

TEST(RetryState, RandomBackoffGrowsWithinRandomisationBounds) {
    SeededRng rng(42);
    RetryState state(retry("maxAttempts: 4\nretryStrategy: RandomBackoff\ninitialInterval: 100\n"
                           "multiplier: 2\nrandomizationFactor: 0.5\n"),
                     rng);
    double base_ms = 100;
    for (int retry_number = 1; retry_number <= 4; ++retry_number) {
        auto d = state.on_outcome({503, false, {}});
        ASSERT_EQ(d.action, RetryAction::kRetry);
        const double ms = std::chrono::duration<double, std::milli>(d.delay).count();
        EXPECT_GE(ms, base_ms * 0.5) << retry_number;
        EXPECT_LE(ms, base_ms * 1.5) << retry_number;
        base_ms *= 2;
    }
    // Without randomisation the sequence is exactly initial * multiplier^(n-1).
    RetryState exact(retry("retryStrategy: RandomBackoff\ninitialInterval: 100\n"
                           "multiplier: 3\nrandomizationFactor: 0\n"),
                     rng);
    EXPECT_EQ(exact.backoff(1), milliseconds(100));
    EXPECT_EQ(exact.backoff(2), milliseconds(300));
    EXPECT_EQ(exact.backoff(3), milliseconds(900));
}

TEST(Bulkhead, AdmitsUpToMaxConcurrentAndPermitsReleaseOnDestruction) {
    auto cfg = parse_ok<BulkheadConfig>("servicecomb.bulkhead.b", "maxConcurrentCalls: 2\n");
    Bulkhead bulkhead(cfg);
    auto a = bulkhead.try_acquire();
    auto b = bulkhead.try_acquire();
    ASSERT_EQ(a.answer, BulkheadAnswer::kAdmitted);
    ASSERT_EQ(b.answer, BulkheadAnswer::kAdmitted);
    EXPECT_EQ(bulkhead.in_flight(), 2);
    auto c = bulkhead.try_acquire();
    EXPECT_EQ(c.answer, BulkheadAnswer::kRejected);
    EXPECT_FALSE(c.permit.has_value());
    a.permit.reset();
    EXPECT_EQ(bulkhead.in_flight(), 1);
    {
        auto moved = std::move(*b.permit);
        b.permit.reset();
        EXPECT_EQ(bulkhead.in_flight(), 1) << "moving a permit does not release it";
    }
    EXPECT_EQ(bulkhead.in_flight(), 0);
}

TEST(Bulkhead, FullWithMaxWaitAnswersHowLongToWait) {
    auto cfg = parse_ok<BulkheadConfig>("servicecomb.bulkhead.b",
                                        "maxConcurrentCalls: 1\nmaxWaitDuration: 250\n");
    Bulkhead bulkhead(cfg);
    auto held = bulkhead.try_acquire();
    auto d = bulkhead.try_acquire();
    EXPECT_EQ(d.answer, BulkheadAnswer::kWait);
    EXPECT_EQ(d.wait_up_to, milliseconds(250));
    held.permit.reset();
    EXPECT_EQ(bulkhead.try_acquire().answer, BulkheadAnswer::kAdmitted);
}

TEST(Bulkhead, ZeroConcurrentRejectsEverything) {
    Bulkhead bulkhead(parse_ok<BulkheadConfig>("servicecomb.bulkhead.b", "maxConcurrentCalls: 0"));
    EXPECT_EQ(bulkhead.try_acquire().answer, BulkheadAnswer::kRejected);
}

std::vector<int> hits(FaultInjector& injector, int requests) {
    std::vector<int> out;
    for (int n = 1; n <= requests; ++n) {
        if (injector.next().action != FaultAction::kNone) {
            out.push_back(n);
        }
    }
    return out;
}

TEST(FaultInjection, PercentageIsDeterministic) {
    FaultInjector quarter(parse_ok<FaultInjectionConfig>(
        "servicecomb.faultInjection.f", "type: abort\npercentage: 25\nerrorCode: 503\n"));
    EXPECT_EQ(hits(quarter, 12), (std::vector<int>{4, 8, 12}));
    FaultInjector third(parse_ok<FaultInjectionConfig>("servicecomb.faultInjection.f",
                                                       "percentage: 30\ndelayTime: 2S\n"));
    // floor(n * 0.3) increases at n = 4, 7, 10.
    EXPECT_EQ(hits(third, 10), (std::vector<int>{4, 7, 10}));
}

TEST(FaultInjection, DecisionCarriesDelayOrErrorCode) {
    FaultInjector abort(parse_ok<FaultInjectionConfig>(
        "servicecomb.faultInjection.f", "type: abort\npercentage: 100\nerrorCode: 503\n"));
    auto d = abort.next();
    EXPECT_EQ(d.action, FaultAction::kAbort);
    EXPECT_EQ(d.error_code, 503);
    FaultInjector delay(parse_ok<FaultInjectionConfig>("servicecomb.faultInjection.f",
                                                       "percentage: 100\ndelayTime: 0.5S\n"));
    auto e = delay.next();
    EXPECT_EQ(e.action, FaultAction::kDelay);
    EXPECT_EQ(e.delay, milliseconds(500));
}

TEST(FaultInjection, ZeroPercentAndForceClosedNeverHit) {
    FaultInjector zero(parse_ok<FaultInjectionConfig>("servicecomb.faultInjection.f",
                                                      "percentage: 0\ndelayTime: 1\n"));
    FaultInjector closed(parse_ok<FaultInjectionConfig>(
        "servicecomb.faultInjection.f", "percentage: 100\ndelayTime: 1\nforceClosed: true\n"));
    EXPECT_TRUE(hits(zero, 100).empty());
    EXPECT_TRUE(hits(closed, 100).empty());
}

TEST(PolicyStateCache, KeepsStateWhileTheSpecIsUnchanged) {
    FakeClock clock;
    PolicyStateCache<RateLimitConfig, RateLimiter> cache(
        [&](std::shared_ptr<const RateLimitConfig> c) {
            return std::make_shared<RateLimiter>(std::move(c), clock);
        });
    auto first = cache.obtain("servicecomb.rateLimiting.l", limit("rate: 1"));
    ASSERT_TRUE(first->acquire().admitted);
    // A reload parses the same spec again (different text, equal value): same limiter.
    auto again = cache.obtain("servicecomb.rateLimiting.l", limit("rate: 1  # unchanged"));
    EXPECT_EQ(again, first);
    EXPECT_FALSE(again->acquire().admitted) << "the used permit stays used";
    auto changed = cache.obtain("servicecomb.rateLimiting.l", limit("rate: 2"));
    EXPECT_NE(changed, first);
    EXPECT_TRUE(changed->acquire().admitted);
    cache.retain_if([](std::string_view) { return false; });
    EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace scagent::plugins::governance
