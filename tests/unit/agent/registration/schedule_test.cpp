#include "agent/registration/schedule.hpp"

#include <gtest/gtest.h>

namespace scagent::registration {
namespace {

using namespace std::chrono_literals;

/// Returns a fixed unit() so tests can hit the ends of the jitter range.
class FixedRng final : public plugins::Rng {
  public:
    explicit FixedRng(double unit) : unit_(unit) {}
    std::uint64_t below(std::uint64_t bound) noexcept override {
        return static_cast<std::uint64_t>(unit_ * static_cast<double>(bound));
    }
    double unit() noexcept override { return unit_; }

  private:
    double unit_;
};

TEST(HeartbeatPeriodTest, QuarterOfTheTtlButNeverLongerThanTheInterval) {
    EXPECT_EQ(heartbeat_period(30, 3), Millis(30s));  // TTL 120 s
    EXPECT_EQ(heartbeat_period(30, 7), Millis(30s));  // TTL/4 = 60 s > interval
    EXPECT_EQ(heartbeat_period(40, 1), Millis(20s));  // TTL 80 s
    EXPECT_EQ(heartbeat_period(10, 0), Millis(2500ms));
}

TEST(HeartbeatPeriodTest, ScaledForTestsWithAFloor) {
    EXPECT_EQ(heartbeat_period(30, 3, 0.1), Millis(3s));
    EXPECT_EQ(heartbeat_period(1, 3, 0.01), Millis(100ms));
}

TEST(JitterTest, StaysWithinTenPercent) {
    FixedRng low(0.0);
    FixedRng high(0.999999);
    FixedRng middle(0.5);
    EXPECT_EQ(jittered(10s, low), Millis(9s));
    EXPECT_EQ(jittered(10s, middle), Millis(10s));
    EXPECT_LT(jittered(10s, high), Millis(11s));
    EXPECT_GE(jittered(10s, high), Millis(10'999));
    plugins::SeededRng rng(7);
    for (int i = 0; i < 1000; ++i) {
        const auto value = jittered(30s, rng);
        EXPECT_GE(value, Millis(27s));
        EXPECT_LT(value, Millis(33s));
    }
}

TEST(BackoffTest, DoublesFromOneSecondAndCapsAtThirty) {
    FixedRng middle(0.5);  // no jitter
    Backoff backoff;
    EXPECT_EQ(backoff.next(middle), Millis(1s));
    EXPECT_EQ(backoff.next(middle), Millis(2s));
    EXPECT_EQ(backoff.next(middle), Millis(4s));
    EXPECT_EQ(backoff.next(middle), Millis(8s));
    EXPECT_EQ(backoff.next(middle), Millis(16s));
    EXPECT_EQ(backoff.next(middle), Millis(30s));
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(backoff.next(middle), Millis(30s));
    }
    EXPECT_EQ(backoff.attempts(), 106);
}

TEST(BackoffTest, JitterNeverExceedsTheCapAndResetStartsOver) {
    FixedRng high(0.999);
    Backoff backoff;
    for (int i = 0; i < 10; ++i) {
        EXPECT_LE(backoff.next(high), Backoff::kCap);
    }
    backoff.reset();
    EXPECT_EQ(backoff.attempts(), 0);
    EXPECT_LT(backoff.next(high), Millis(1100ms));
}

}  // namespace
}  // namespace scagent::registration
