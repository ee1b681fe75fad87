#include "plugins/governance/loop_selector.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "plugins/api/fake_clock.hpp"

namespace scagent::plugins::governance {
namespace {

using namespace std::chrono_literals;

Instance instance(std::string id, std::string version = "1.0.0") {
    Instance made;
    made.instance_id = std::move(id);
    made.version = std::move(version);
    made.host = "127.0.0.1";
    made.port = 8080;
    return made;
}

/// A proxy loop's selector over the shared selector the local API uses, as the agent wires
/// them; the same snapshot for both.
class LoopSelectorTest : public ::testing::Test {
  protected:
    void set_governance(std::vector<GovernanceInput> inputs) {
        snapshot_ = GovernanceSnapshot::build(inputs, {"web", "1.0.0"});
    }
    RequestView request() const {
        RequestView view;
        view.service_name = "orders";
        view.method = "GET";
        view.path = "/";
        return view;
    }
    LoopSelector::Pick pick(const std::vector<const Instance*>& candidates) {
        return loop_.select(snapshot_, candidates, request());
    }
    /// One call through the loop: picked, then its outcome.
    std::string call(const std::vector<const Instance*>& candidates, bool success) {
        auto picked = pick(candidates);
        if (!picked.instance()) {
            return "";
        }
        std::string id = picked.instance()->instance_id;
        loop_.record_outcome(picked, success, 5ms);
        return id;
    }

    std::shared_ptr<const GovernanceSnapshot> snapshot_ =
        GovernanceSnapshot::build({}, {"web", "1.0.0"});
    FakeClock clock_;
    std::map<std::string, int> actions_;  ///< "kind/action" -> times
    GovernedSelector shared_{[this] { return snapshot_; }, clock_,
                             [this](std::string_view kind, std::string_view action) {
                                 ++actions_[std::string(kind) + "/" + std::string(action)];
                             },
                             42};
    LoopSelector loop_{shared_, 7};
    Instance a_ = instance("a"), b_ = instance("b"), c_ = instance("c", "2.0.0"),
             d_ = instance("d", "2.0.0");
    std::vector<const Instance*> four_{&a_, &b_, &c_, &d_};
};

TEST_F(LoopSelectorTest, RoundRobinIsExactlyEvenAndSharesItsCursorWithTheLocalApi) {
    std::map<std::string, int> seen;
    for (int i = 0; i < 4'000; ++i) {
        seen[call(four_, true)] += 1;
    }
    EXPECT_EQ(seen,
              (std::map<std::string, int>{{"a", 1000}, {"b", 1000}, {"c", 1000}, {"d", 1000}}));
    EXPECT_EQ(actions_["loadbalance/picked"], 4'000);
    // The API's select turns the same balancer: the loop's next pick is the one after it.
    const std::vector<Instance> plain{a_, b_, c_, d_};
    const auto api_pick = shared_.select("orders", plain, request());
    ASSERT_TRUE(api_pick);
    EXPECT_EQ(api_pick->instance_id, "a");
    EXPECT_EQ(call(four_, true), "b");
    EXPECT_EQ(loop_.kept(), 1U);
}

TEST_F(LoopSelectorTest, FailedCallsIsolateInTheSharedStateThatExplainAndTheApiRead) {
    const std::vector<const Instance*> two{&a_, &b_};
    for (int i = 0; i < 6; ++i) {
        auto picked = pick(two);
        ASSERT_TRUE(picked.instance());
        loop_.record_outcome(picked, picked.instance()->instance_id != "a", 5ms);
    }
    EXPECT_TRUE(shared_.isolated("orders", "a")) << "3 failures in a row (default isolation)";
    EXPECT_FALSE(shared_.isolated("orders", "b"));
    EXPECT_EQ(actions_["instanceIsolation/isolated"], 1);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(call(two, true), "b");
    }
    const std::vector<Instance> plain{a_, b_};
    EXPECT_EQ(shared_.select("orders", plain, request())->instance_id, "b");
    // 30 s later a gets one trial call; its success closes the breaker for everyone.
    clock_.advance(30s);
    std::map<std::string, int> seen;
    for (int i = 0; i < 4; ++i) {
        seen[call(two, true)] += 1;
    }
    EXPECT_EQ(seen["a"], 2);
    EXPECT_FALSE(shared_.isolated("orders", "a"));
}

TEST_F(LoopSelectorTest, OutcomesTheAppReportsThroughTheApiIsolateForTheLoopToo) {
    ASSERT_EQ(call(four_, true), "a");  // the loop now keeps the states, and a's breaker
    for (int i = 0; i < 3; ++i) {
        shared_.record_outcome("orders", "a", false, 5ms);
    }
    ASSERT_TRUE(shared_.isolated("orders", "a"));
    for (int i = 0; i < 30; ++i) {
        EXPECT_NE(call(four_, true), "a");
    }
}

TEST_F(LoopSelectorTest, AfterRetainTheLoopUsesTheStatesTheSharedSelectorNowHas) {
    const std::vector<const Instance*> only_a{&a_};
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(call(only_a, false), "a");
    }
    ASSERT_EQ(call(only_a, true), "") << "a is isolated and the only candidate";
    // a leaves the provider cache: its breaker is forgotten. When it comes back it starts
    // closed, for the loop as for the API (the loop must not keep the old, open breaker).
    shared_.retain({"orders"}, {"b"});
    EXPECT_EQ(call(only_a, true), "a");
    EXPECT_FALSE(shared_.isolated("orders", "a"));
}

TEST_F(LoopSelectorTest, AnOutcomeGoesToTheBreakerThatAdmittedTheCallNotToOneMadeLater) {
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - apiPath: {prefix: /}\n", "kie:app"},
         {"servicecomb.instanceIsolation.all",
          "slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\nminimumNumberOfCalls: 1\n",
          "kie:app"}});
    const std::vector<const Instance*> only_a{&a_};
    auto in_flight = pick(only_a);
    ASSERT_TRUE(in_flight.instance());
    // While the call is out, a leaves the cache (its breaker is forgotten) and comes back: the
    // loop's next call gets a new, closed breaker for it.
    shared_.retain({"orders"}, {"b"});
    ASSERT_EQ(call(only_a, true), "a");
    // The old call fails late: that says nothing about the new breaker.
    loop_.record_outcome(in_flight, false, 5ms);
    EXPECT_FALSE(shared_.isolated("orders", "a"));
    EXPECT_EQ(call(only_a, true), "a");
    // A second report of the same pick is ignored.
    loop_.record_outcome(in_flight, false, 5ms);
    EXPECT_EQ(call(only_a, true), "a");
}

TEST_F(LoopSelectorTest, MoreIsolatedInstancesThanRePicksStillLeaveTheHealthyOne) {
    std::vector<Instance> fleet;
    for (int i = 0; i < 8; ++i) {
        fleet.push_back(instance("i" + std::to_string(i)));
    }
    std::vector<const Instance*> all;
    for (const auto& member : fleet) {
        all.push_back(&member);
    }
    // Every instance but i7 fails until isolated (default: 3 failures in a row).
    for (int i = 0; i < 60; ++i) {
        auto picked = pick(all);
        ASSERT_TRUE(picked.instance());
        loop_.record_outcome(picked, picked.instance()->instance_id == "i7", 5ms);
    }
    for (int i = 0; i < 7; ++i) {
        ASSERT_TRUE(shared_.isolated("orders", "i" + std::to_string(i))) << i;
    }
    // Isolated instances must be skipped before the pick, not refused after it: more of them
    // than re-picks allowed would otherwise leave the call without an instance.
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(call(all, true), "i7");
    }
}

TEST_F(LoopSelectorTest, ADroppedPickGivesBackItsHalfOpenTrialAndItsInFlightCount) {
    const std::vector<const Instance*> only_a{&a_};
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(call(only_a, false), "a");
    }
    clock_.advance(30s);
    {
        auto trial = pick(only_a);  // the one trial call; the client leaves before its answer
        ASSERT_TRUE(trial.instance());
        EXPECT_EQ(call(only_a, true), "") << "the trial is out";
    }
    EXPECT_EQ(call(only_a, true), "a") << "the trial came back and was given again";
    EXPECT_FALSE(shared_.isolated("orders", "a"));

    // The same through move assignment (as the proxy re-picks): the permit moves with the pick.
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(call(only_a, false), "a");
    }
    clock_.advance(30s);
    {
        LoopSelector::Pick moved;
        moved = pick(only_a);
        ASSERT_TRUE(moved.instance());
        LoopSelector::Pick last;
        last = std::move(moved);
    }
    EXPECT_EQ(call(only_a, true), "a") << "the moved trial came back";

    // LeastRequest: with one call in flight on one instance, dropped picks go to the other
    // and leave its count at zero, so every one of them goes there again.
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - apiPath: {prefix: /}\n", "kie:app"},
         {"servicecomb.loadbalance.all", "rule: LeastRequest\n", "kie:app"}});
    const std::vector<const Instance*> two{&a_, &b_};
    auto busy = pick(two);
    ASSERT_TRUE(busy.instance());
    const std::string busy_id = busy.instance()->instance_id;
    for (int i = 0; i < 10; ++i) {
        auto dropped = pick(two);
        ASSERT_TRUE(dropped.instance());
        EXPECT_NE(dropped.instance()->instance_id, busy_id) << i;
    }
}

TEST_F(LoopSelectorTest, ANewSnapshotsPoliciesApplyFromTheNextCall) {
    const std::vector<const Instance*> only_a{&a_};
    const std::vector<const Instance*> two{&a_, &b_};
    ASSERT_EQ(call(only_a, false), "a");
    EXPECT_FALSE(shared_.isolated("orders", "a")) << "default isolation: 1 failure of 3";
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - apiPath: {prefix: /}\n", "kie:app"},
         {"servicecomb.instanceIsolation.all",
          "slidingWindowType: COUNT_BASED\nslidingWindowSize: 1\nminimumNumberOfCalls: 1\n",
          "kie:app"}});
    ASSERT_EQ(call(only_a, false), "a");
    EXPECT_TRUE(shared_.isolated("orders", "a")) << "one failure isolates under the new policy";
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(call(two, true), "b");
    }
}

TEST_F(LoopSelectorTest, ARouteRuleLimitsTheLoopsPicksToItsGroup) {
    set_governance({{"servicecomb.routeRule.orders",
                     "- route:\n    - weight: 100\n      tags: {version: 2.0.0}\n", "kie:app"}});
    std::map<std::string, int> seen;
    for (int i = 0; i < 100; ++i) {
        seen[call(four_, true)] += 1;
    }
    EXPECT_EQ(seen, (std::map<std::string, int>{{"c", 50}, {"d", 50}}));
    EXPECT_EQ(actions_["routeRule/routed"], 100);
}

}  // namespace
}  // namespace scagent::plugins::governance
