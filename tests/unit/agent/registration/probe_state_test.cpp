#include "agent/registration/probe_state.hpp"

#include <gtest/gtest.h>

namespace scagent::registration {
namespace {

TEST(ProbeStateTest, StartsUnknownAndRisesAfterRisePasses) {
    ProbeState state(2, 3);
    EXPECT_EQ(state.health(), AppHealth::kUnknown);
    EXPECT_EQ(state.record(true), std::nullopt);
    EXPECT_EQ(state.record(true), AppHealth::kUp);
    EXPECT_EQ(state.record(true), std::nullopt);
    EXPECT_EQ(state.health(), AppHealth::kUp);
}

TEST(ProbeStateTest, FallsAfterFallConsecutiveFailures) {
    ProbeState state(1, 3);
    ASSERT_EQ(state.record(true), AppHealth::kUp);
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.record(false), AppHealth::kDown);
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.health(), AppHealth::kDown);
}

TEST(ProbeStateTest, AnOppositeOutcomeRestartsTheStreak) {
    ProbeState state(2, 2);
    ASSERT_EQ(state.record(true), std::nullopt);
    ASSERT_EQ(state.record(true), AppHealth::kUp);
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.record(true), std::nullopt);  // flap: streak of failures reset
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.health(), AppHealth::kUp);
    EXPECT_EQ(state.record(false), AppHealth::kDown);
    EXPECT_EQ(state.record(true), std::nullopt);
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.record(true), std::nullopt);
    EXPECT_EQ(state.record(true), AppHealth::kUp);
}

TEST(ProbeStateTest, FailingFromTheStartGoesDownWithoutEverBeingUp) {
    ProbeState state(2, 2);
    EXPECT_EQ(state.record(false), std::nullopt);
    EXPECT_EQ(state.record(false), AppHealth::kDown);
}

TEST(ProbeStateTest, ThresholdsBelowOneActAsOne) {
    ProbeState state(0, -1);
    EXPECT_EQ(state.record(true), AppHealth::kUp);
    EXPECT_EQ(state.record(false), AppHealth::kDown);
}

TEST(ProbeStateTest, Names) {
    EXPECT_EQ(to_string(AppHealth::kUnknown), "unknown");
    EXPECT_EQ(to_string(AppHealth::kUp), "up");
    EXPECT_EQ(to_string(AppHealth::kDown), "down");
}

}  // namespace
}  // namespace scagent::registration
