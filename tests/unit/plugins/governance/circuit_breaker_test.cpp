#include "plugins/governance/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "governance_test_support.hpp"
#include "plugins/api/fake_clock.hpp"
#include "plugins/governance/instance_isolation.hpp"

namespace scagent::plugins::governance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::parse_ok;

const CallOutcome kOk{200, false, milliseconds(5)};
const CallOutcome kFail{503, false, milliseconds(5)};
const CallOutcome kReset{std::nullopt, true, milliseconds(5)};
const CallOutcome kSlow{200, false, seconds(3)};

std::shared_ptr<const CircuitBreakerConfig> config(const std::string& yaml) {
    return parse_ok<CircuitBreakerConfig>("servicecomb.circuitBreaker.b", yaml);
}

void call(CircuitBreaker& b, const CallOutcome& outcome) {
    ASSERT_TRUE(b.try_acquire());
    b.record(outcome);
}

TEST(CircuitBreaker, CountBasedOpensAtThresholdOnlyAfterMinimumCalls) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 10\n"
                            "minimumNumberOfCalls: 4\nfailureRateThreshold: 50\n"),
                     clock);
    call(b, kFail);
    call(b, kFail);
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "3 calls < minimumNumberOfCalls";
    call(b, kOk);
    EXPECT_EQ(b.state(), BreakerState::kOpen) << "3 of 4 failed = 75% >= 50%";
    EXPECT_FALSE(b.try_acquire());
}

TEST(CircuitBreaker, StaysClosedBelowThreshold) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 4\n"
                            "minimumNumberOfCalls: 4\nfailureRateThreshold: 50\n"),
                     clock);
    call(b, kFail);
    call(b, kOk);
    call(b, kOk);
    call(b, kOk);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "25% < 50%";
    // The oldest call (the failure) slides out; two new failures make 2 of 4 = 50%.
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kClosed);
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, CountBasedMinimumIsCappedByWindowSize) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 2\n"
                            "minimumNumberOfCalls: 100\n"),
                     clock);
    call(b, kFail);
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, HalfOpensAfterWaitAndClosesWhenPermittedCallsSucceed) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 2\n"
                            "minimumNumberOfCalls: 2\nwaitDurationInOpenState: 10S\n"
                            "permittedNumberOfCallsInHalfOpenState: 3\n"),
                     clock);
    call(b, kFail);
    call(b, kFail);
    ASSERT_EQ(b.state(), BreakerState::kOpen);
    clock.advance(seconds(10) - milliseconds(1));
    EXPECT_FALSE(b.try_acquire());
    EXPECT_TRUE(b.rejecting());
    clock.advance(milliseconds(1));
    EXPECT_FALSE(b.rejecting());
    // Exactly three trial calls are let through.
    EXPECT_TRUE(b.try_acquire());
    EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
    EXPECT_TRUE(b.try_acquire());
    EXPECT_TRUE(b.try_acquire());
    EXPECT_FALSE(b.try_acquire());
    b.record(kOk);
    b.record(kOk);
    EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
    b.record(kOk);
    EXPECT_EQ(b.state(), BreakerState::kClosed);
    EXPECT_TRUE(b.try_acquire());
}

TEST(CircuitBreaker, HalfOpenReopensWhenTrialCallsFail) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 2\n"
                            "minimumNumberOfCalls: 2\nwaitDurationInOpenState: 1S\n"
                            "permittedNumberOfCallsInHalfOpenState: 2\n"),
                     clock);
    call(b, kFail);
    call(b, kFail);
    clock.advance(seconds(1));
    call(b, kOk);
    call(b, kReset);  // transport errors are failures too: 1 of 2 = 50%
    EXPECT_EQ(b.state(), BreakerState::kOpen);
    EXPECT_FALSE(b.try_acquire()) << "a fresh wait started";
    clock.advance(seconds(1));
    EXPECT_TRUE(b.try_acquire());
}

TEST(CircuitBreaker, ReleaseReturnsAnUnusedTrialPermit) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\n"
                            "minimumNumberOfCalls: 1\nwaitDurationInOpenState: 1S\n"
                            "permittedNumberOfCallsInHalfOpenState: 1\n"),
                     clock);
    call(b, kFail);
    clock.advance(seconds(1));
    ASSERT_TRUE(b.try_acquire());
    EXPECT_FALSE(b.try_acquire());
    b.release();
    EXPECT_TRUE(b.try_acquire());
}

TEST(CircuitBreaker, AnOutcomeOfACallAdmittedBeforeTheLastTransitionIsDropped) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 2\n"
                            "minimumNumberOfCalls: 2\nwaitDurationInOpenState: 1S\n"
                            "permittedNumberOfCallsInHalfOpenState: 2\n"),
                     clock);
    const auto slow_caller = b.acquire();  // admitted while closed; answers late
    ASSERT_TRUE(slow_caller);
    for (int i = 0; i < 2; ++i) {
        const auto permit = b.acquire();
        ASSERT_TRUE(permit);
        b.record(kFail, *permit);
    }
    ASSERT_EQ(b.state(), BreakerState::kOpen);
    clock.advance(seconds(1));
    const auto trial = b.acquire();
    ASSERT_TRUE(trial);
    ASSERT_EQ(b.state(), BreakerState::kHalfOpen);
    // The closed-period call ends now: it is neither a trial nor a give-back of one.
    EXPECT_FALSE(b.record(kFail, *slow_caller));
    b.release(*slow_caller);
    EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
    const auto second_trial = b.acquire();
    ASSERT_TRUE(second_trial);
    EXPECT_FALSE(b.acquire()) << "two trials issued, none given back by the stale permit";
    b.record(kOk, *trial);
    EXPECT_EQ(b.state(), BreakerState::kHalfOpen) << "one trial of two has reported";
    b.record(kOk, *second_trial);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "the trials decide, not the late failure";
    // Three transitions later, permits taken on the lock-free closed path still count.
    for (int i = 0; i < 2; ++i) {
        const auto permit = b.acquire();
        ASSERT_TRUE(permit);
        b.record(kFail, *permit);
    }
    EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, AnUntrackedOutcomeCountsInTheStateItArrivesIn) {
    // The discovery API's select/outcome: the app reports without a permit.
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\n"
                            "minimumNumberOfCalls: 1\nwaitDurationInOpenState: 1S\n"
                            "permittedNumberOfCallsInHalfOpenState: 1\n"),
                     clock);
    ASSERT_TRUE(b.try_acquire());
    b.record(kFail);
    ASSERT_EQ(b.state(), BreakerState::kOpen);
    clock.advance(seconds(1));
    ASSERT_TRUE(b.try_acquire());
    b.record(kOk);
    EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, HalfOpenTrialWithoutOutcomeIsGivenOutAgainAfterTheWait) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\n"
                            "minimumNumberOfCalls: 1\nwaitDurationInOpenState: 2S\n"
                            "permittedNumberOfCallsInHalfOpenState: 1\n"),
                     clock);
    call(b, kFail);
    clock.advance(seconds(2));
    ASSERT_TRUE(b.try_acquire());  // the trial whose outcome never comes
    clock.advance(seconds(1));
    EXPECT_TRUE(b.rejecting());
    EXPECT_FALSE(b.try_acquire());
    clock.advance(seconds(1));
    EXPECT_FALSE(b.rejecting()) << "the lost trial is given out again";
    ASSERT_TRUE(b.try_acquire());
    EXPECT_FALSE(b.try_acquire());
    b.record(kOk);
    EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, SlowCallRateOpens) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 4\n"
                            "minimumNumberOfCalls: 4\nslowCallDurationThreshold: 2S\n"
                            "slowCallRateThreshold: 50\n"),
                     clock);
    call(b, kOk);
    call(b, kSlow);
    call(b, CallOutcome{200, false, seconds(2)});  // at the threshold is not slow
    EXPECT_EQ(b.state(), BreakerState::kClosed);
    call(b, kSlow);
    EXPECT_EQ(b.state(), BreakerState::kOpen) << "2 of 4 slower than 2s";
}

TEST(CircuitBreaker, RecordFailureStatusDecidesWhatIsAFailure) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 2\n"
                            "minimumNumberOfCalls: 2\nrecordFailureStatus: [5xx]\n"
                            "failureRateThreshold: 100\n"),
                     clock);
    call(b, CallOutcome{404, false, {}});
    call(b, CallOutcome{404, false, {}});
    EXPECT_EQ(b.state(), BreakerState::kClosed);
    call(b, CallOutcome{500, false, {}});
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "404 and 500: 50%";
    call(b, CallOutcome{504, false, {}});
    EXPECT_EQ(b.state(), BreakerState::kOpen) << "500 and 504: 100%";
}

TEST(CircuitBreaker, TimeBasedWindowForgetsOldSeconds) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowSize: 10\nminimumNumberOfCalls: 4\n"), clock);
    call(b, kFail);
    call(b, kFail);
    call(b, kFail);
    clock.advance(seconds(10));  // the three failures leave the 10 s window
    call(b, kOk);
    call(b, kOk);
    call(b, kOk);
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "only 1 of 4 in the window failed";
    clock.advance(seconds(5));
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "2 of 5 = 40%";
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kOpen) << "3 of 6 = 50%";
}

TEST(CircuitBreaker, TimeBasedOpensWithinWindow) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowSize: 10\nminimumNumberOfCalls: 4\n"), clock);
    for (int i = 0; i < 4; ++i) {
        call(b, i % 2 == 0 ? kFail : kOk);
        clock.advance(seconds(2));
    }
    EXPECT_EQ(b.state(), BreakerState::kOpen) << "2 of 4 within 8 s = 50%";
}

TEST(CircuitBreaker, ForcedStates) {
    FakeClock clock;
    CircuitBreaker open(config("forceOpen: true"), clock);
    EXPECT_EQ(open.state(), BreakerState::kForcedOpen);
    EXPECT_FALSE(open.try_acquire());
    CircuitBreaker closed(config("forceClosed: true\nslidingWindowType: COUNT_BASED\n"
                                 "slidingWindowSize: 1\nminimumNumberOfCalls: 1\n"),
                          clock);
    for (int i = 0; i < 5; ++i) {
        call(closed, kFail);
    }
    EXPECT_EQ(closed.state(), BreakerState::kForcedClosed);
    EXPECT_EQ(breaker_state_name(closed.state()), "FORCED_CLOSED");
}

TEST(CircuitBreaker, SuccessesOnAFullWindowOfSuccessesChangeNothingAndFailuresStillCount) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 4\n"
                            "minimumNumberOfCalls: 4\nfailureRateThreshold: 50\n"),
                     clock);
    // Fills the window with successes, then many more (the lock-free path).
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(b.try_acquire());
        EXPECT_FALSE(b.record(kOk));
    }
    ASSERT_TRUE(b.try_acquire());
    EXPECT_FALSE(b.record(kFail)) << "1 of 4";
    ASSERT_TRUE(b.try_acquire());
    EXPECT_TRUE(b.record(kFail)) << "2 of the last 4 failed: this outcome opened it";
    EXPECT_EQ(b.state(), BreakerState::kOpen);
    EXPECT_FALSE(b.try_acquire());
    EXPECT_TRUE(b.rejecting());
    EXPECT_FALSE(b.record(kFail)) << "already open: a late outcome opens nothing";
}

TEST(CircuitBreaker, SlowSuccessesOnAFullWindowOfSuccessesAreCounted) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 4\n"
                            "minimumNumberOfCalls: 4\nslowCallDurationThreshold: 1S\n"
                            "slowCallRateThreshold: 50\n"),
                     clock);
    for (int i = 0; i < 10; ++i) {
        call(b, kOk);
    }
    call(b, kSlow);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "1 slow of 4";
    ASSERT_TRUE(b.try_acquire());
    EXPECT_TRUE(b.record(kSlow)) << "2 slow of 4 = 50%";
}

TEST(CircuitBreaker, ATimeBasedWindowCountsEverySuccess) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowSize: 10\nminimumNumberOfCalls: 4\n"
                            "failureRateThreshold: 50\n"),
                     clock);
    call(b, kOk);
    call(b, kOk);
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "3 calls < minimumNumberOfCalls";
    ASSERT_TRUE(b.try_acquire());
    EXPECT_TRUE(b.record(kFail)) << "the two successes count: 2 of 4 calls = 50%";
}

TEST(CircuitBreaker, AFailureAfterSuccessesSlidesOutOfTheWindowAgain) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 3\n"
                            "minimumNumberOfCalls: 3\nfailureRateThreshold: 60\n"),
                     clock);
    call(b, kOk);
    call(b, kOk);
    call(b, kFail);  // 1 of 3: closed, and the window is no longer all successes
    call(b, kOk);
    call(b, kOk);
    call(b, kOk);  // the failure slid out: all successes again
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << "1 of 3 < 60%";
    call(b, kFail);
    EXPECT_EQ(b.state(), BreakerState::kOpen) << "2 of 3 >= 60%";
}

TEST(CircuitBreaker, AHalfOpenTrialThatFailsOpensItAgainAndSaysSo) {
    FakeClock clock;
    CircuitBreaker b(config("slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\n"
                            "minimumNumberOfCalls: 1\nwaitDurationInOpenState: 5S\n"
                            "permittedNumberOfCallsInHalfOpenState: 1\n"),
                     clock);
    ASSERT_TRUE(b.try_acquire());
    EXPECT_TRUE(b.record(kFail));
    clock.advance(seconds(5));
    EXPECT_FALSE(b.rejecting());
    ASSERT_TRUE(b.try_acquire());
    EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
    EXPECT_TRUE(b.rejecting()) << "its one trial is out";
    EXPECT_TRUE(b.record(kFail));
    EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(InstanceIsolation, AnIsolatedInstanceIsFoundAfterAnotherWasForgottenWhileOpen) {
    FakeClock clock;
    auto cfg = parse_ok<CircuitBreakerConfig>(
        "servicecomb.instanceIsolation.i",
        "slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\nminimumNumberOfCalls: 1\n"
        "waitDurationInOpenState: 5S\npermittedNumberOfCallsInHalfOpenState: 1\n");
    InstanceIsolation iso(cfg, clock);
    Instance a;
    a.instance_id = "a";
    Instance b;
    b.instance_id = "b";
    const std::vector<const Instance*> both{&a, &b};
    {
        auto held = iso.breaker("a");  // as a loop's table holds it
        ASSERT_TRUE(held->try_acquire());
        EXPECT_TRUE(held->record(kFail));
        Excluded excluded;
        iso.add_isolated(both, excluded);
        EXPECT_EQ(excluded.ids, (std::set<std::string, std::less<>>{"a"}));
        iso.retain_only({"b"});  // a leaves the cache while open; the loop still holds it
    }
    Excluded none;
    iso.add_isolated(both, none);
    EXPECT_TRUE(none.empty());
    // b opens, half-opens and closes, and opens again: each time the set is exact.
    EXPECT_TRUE(iso.record("b", kFail));
    Excluded only_b;
    iso.add_isolated(both, only_b);
    EXPECT_EQ(only_b.ids, (std::set<std::string, std::less<>>{"b"}));
    clock.advance(seconds(5));
    ASSERT_TRUE(iso.try_acquire("b"));
    EXPECT_FALSE(iso.record("b", kOk));
    Excluded after_close;
    iso.add_isolated(both, after_close);
    EXPECT_TRUE(after_close.empty());
    EXPECT_TRUE(iso.record("b", kFail));
    Excluded again;
    iso.add_isolated(both, again);
    EXPECT_EQ(again.ids, (std::set<std::string, std::less<>>{"b"}));
}

TEST(InstanceIsolation, AForcedOpenPolicyIsolatesEveryInstanceFromTheStart) {
    FakeClock clock;
    auto cfg = parse_ok<CircuitBreakerConfig>("servicecomb.instanceIsolation.i", "forceOpen: true");
    InstanceIsolation iso(cfg, clock);
    Instance a;
    a.instance_id = "a";
    const std::vector<const Instance*> only{&a};
    EXPECT_FALSE(iso.try_acquire("a"));
    Excluded excluded;
    iso.add_isolated(only, excluded);
    EXPECT_TRUE(excluded.contains("a"));
}

TEST(InstanceIsolation, IsolatesPerInstanceAndReportsTheSet) {
    FakeClock clock;
    auto cfg = parse_ok<CircuitBreakerConfig>(
        "servicecomb.instanceIsolation.i",
        "slidingWindowType: COUNT_BASED\nslidingWindowSize: 2\nminimumNumberOfCalls: 2\n"
        "waitDurationInOpenState: 5S\npermittedNumberOfCallsInHalfOpenState: 1\n");
    InstanceIsolation iso(cfg, clock);
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(iso.try_acquire("a"));
        // Only the outcome that opens a's breaker says it isolated the instance.
        EXPECT_EQ(iso.record("a", kFail), i == 1);
        ASSERT_TRUE(iso.try_acquire("b"));
        EXPECT_FALSE(iso.record("b", kOk));
    }
    EXPECT_EQ(iso.isolated().ids, (std::set<std::string, std::less<>>{"a"}));
    EXPECT_FALSE(iso.try_acquire("a"));
    EXPECT_EQ(iso.state("a"), BreakerState::kOpen);
    EXPECT_EQ(iso.state("never-called"), BreakerState::kClosed);
    clock.advance(seconds(5));
    EXPECT_TRUE(iso.isolated().empty()) << "half-open: a gets one trial call";
    ASSERT_TRUE(iso.try_acquire("a"));
    EXPECT_TRUE(iso.isolated().contains("a")) << "trial in flight";
    EXPECT_FALSE(iso.record("a", kOk));
    EXPECT_EQ(iso.state("a"), BreakerState::kClosed);
    EXPECT_TRUE(iso.isolated().empty());
}

TEST(InstanceIsolation, RetainOnlyForgetsDepartedInstances) {
    FakeClock clock;
    auto cfg = parse_ok<CircuitBreakerConfig>(
        "servicecomb.instanceIsolation.i",
        "slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\nminimumNumberOfCalls: 1\n");
    InstanceIsolation iso(cfg, clock);
    iso.record("gone", kFail);
    ASSERT_TRUE(iso.isolated().contains("gone"));
    iso.record("kept", kOk);
    iso.retain_only({"kept"});
    EXPECT_TRUE(iso.isolated().empty());
    EXPECT_EQ(iso.size(), 1U);
}

}  // namespace
}  // namespace scagent::plugins::governance
