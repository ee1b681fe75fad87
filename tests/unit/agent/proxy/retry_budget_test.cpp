// The retry budget: retries in flight are capped at 20 % of the calls in flight, at least 3.
#include <gtest/gtest.h>

#include "agent/proxy/retry_budget.hpp"

namespace scagent::proxy {
namespace {

TEST(RetryBudget, AQuietProxyStillAllowsThreeRetries) {
    RetryBudget budget;
    budget.call_started();
    EXPECT_TRUE(budget.try_start_retry());
    EXPECT_TRUE(budget.try_start_retry());
    EXPECT_TRUE(budget.try_start_retry());
    EXPECT_FALSE(budget.try_start_retry());
    budget.retry_ended();
    EXPECT_TRUE(budget.try_start_retry());  // an ended retry gives its place back
    EXPECT_EQ(budget.retries(), 3);
}

TEST(RetryBudget, UnderLoadRetriesAreAFifthOfTheCallsInFlight) {
    RetryBudget budget;
    for (int i = 0; i < 100; ++i) {
        budget.call_started();
    }
    int granted = 0;
    while (budget.try_start_retry()) {
        ++granted;
    }
    EXPECT_EQ(granted, 20);
    for (int i = 0; i < 50; ++i) {
        budget.call_ended();
    }
    EXPECT_FALSE(budget.try_start_retry());  // 20 in flight, 10 allowed now: no new one
    EXPECT_EQ(budget.active(), 50);
}

}  // namespace
}  // namespace scagent::proxy
