#include "plugins/governance/governed_selector.hpp"

#include "agent/discovery/governed_instance_selector.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "plugins/api/fake_clock.hpp"

namespace scagent::plugins::governance {
namespace {

namespace gov = plugins::governance;
using plugins::Instance;
using namespace std::chrono_literals;

Instance instance(std::string id, std::string version) {
    Instance made;
    made.instance_id = std::move(id);
    made.service_id = "orders-id";
    made.version = std::move(version);
    made.host = "127.0.0.1";
    made.port = 8080;
    return made;
}

class GovernedSelectorTest : public ::testing::Test {
  protected:
    void set_governance(std::vector<gov::GovernanceInput> inputs) {
        snapshot_ = gov::GovernanceSnapshot::build(inputs, {"web", "1.0.0"});
    }
    std::map<std::string, int> picks(const std::vector<Instance>& candidates, int count) {
        std::map<std::string, int> seen;
        for (int i = 0; i < count; ++i) {
            auto picked = selector_.select("orders", candidates, {});
            EXPECT_TRUE(picked.has_value());
            if (picked) {
                seen[picked->instance_id] += 1;
            }
        }
        return seen;
    }

    std::shared_ptr<const gov::GovernanceSnapshot> snapshot_ =
        gov::GovernanceSnapshot::build({}, {"web", "1.0.0"});
    plugins::FakeClock clock_;
    std::map<std::string, int> actions_;  ///< "kind/action" -> times
    GovernedSelector selector_{[this] { return snapshot_; }, clock_,
                               [this](std::string_view kind, std::string_view action) {
                                   ++actions_[std::string(kind) + "/" + std::string(action)];
                               },
                               42};
    std::vector<Instance> four_{instance("a", "1.0.0"), instance("b", "1.0.0"),
                                instance("c", "2.0.0"), instance("d", "2.0.0")};
};

TEST_F(GovernedSelectorTest, RoundRobinByDefaultIsExactlyEven) {
    const auto seen = picks(four_, 10'000);
    ASSERT_EQ(seen.size(), 4u);
    for (const auto& [id, count] : seen) {
        EXPECT_EQ(count, 2'500) << id;
    }
}

TEST_F(GovernedSelectorTest, RoundRobinCursorSurvivesAReloadThatKeepsThePolicy) {
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.loadbalance.all", "rule: RoundRobin\n", "kie:app"}});
    std::vector<std::string> order;
    for (int i = 0; i < 3; ++i) {
        order.push_back(selector_.select("orders", four_, {})->instance_id);
    }
    // A reload that changes an unrelated item: same policy, same balancer, the cycle continues.
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.loadbalance.all", "rule: RoundRobin\n", "kie:app"},
         {"servicecomb.retry.all", "maxAttempts: 1\n", "kie:app"}});
    order.push_back(selector_.select("orders", four_, {})->instance_id);
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(GovernedSelectorTest, RouteRuleTwentyEightyWithinThreePercentOverTenThousandPicks) {
    set_governance({{"servicecomb.routeRule.orders",
                     "- precedence: 1\n"
                     "  route:\n"
                     "    - weight: 20\n"
                     "      tags: {version: 1.0.0}\n"
                     "    - weight: 80\n"
                     "      tags: {version: 2.0.0}\n",
                     "kie:service"}});
    const auto seen = picks(four_, 10'000);
    const double v1 = (seen.count("a") ? seen.at("a") : 0) + (seen.count("b") ? seen.at("b") : 0);
    const double v2 = (seen.count("c") ? seen.at("c") : 0) + (seen.count("d") ? seen.at("d") : 0);
    EXPECT_NEAR(v1 / 10'000, 0.20, 0.03);
    EXPECT_NEAR(v2 / 10'000, 0.80, 0.03);
    // Within a group the balancer still spreads the load.
    EXPECT_GT(seen.at("a"), 0);
    EXPECT_GT(seen.at("b"), 0);
    EXPECT_EQ(actions_["routeRule/routed"], 10'000);
}

TEST_F(GovernedSelectorTest, RouteRuleWithoutEmptyProtectionCanLeaveNothing) {
    set_governance({{"servicecomb.routeRule.orders",
                     "- route:\n"
                     "    - weight: 100\n"
                     "      tags: {version: 9.9.9}\n"
                     "  emptyProtection: false\n",
                     "kie:service"}});
    EXPECT_FALSE(selector_.select("orders", four_, {}).has_value());
    EXPECT_FALSE(selector_.select("orders", std::vector<Instance>{}, {}).has_value());
}

TEST_F(GovernedSelectorTest, IsolatedInstanceIsNeverChosenUntilItsWaitElapses) {
    set_governance(
        {{"servicecomb.matchGroup.iso", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.instanceIsolation.iso",
          "minimumNumberOfCalls: 2\n"
          "slidingWindowType: COUNT_BASED\n"
          "slidingWindowSize: 2\n"
          "failureRateThreshold: 50\n"
          "waitDurationInOpenState: 10000\n"
          "permittedNumberOfCallsInHalfOpenState: 1\n",
          "kie:app"}});
    // Every instance is selected once (so its breaker admitted a call), then "b" fails twice.
    picks(four_, 4);
    selector_.record_outcome("orders", "b", false, 5ms);
    selector_.record_outcome("orders", "b", false, 5ms);
    selector_.record_outcome("orders", "a", true, 5ms);
    EXPECT_TRUE(selector_.isolated("orders", "b"));
    EXPECT_FALSE(selector_.isolated("orders", "a"));

    const auto seen = picks(four_, 3'000);
    EXPECT_EQ(seen.count("b"), 0u);
    EXPECT_EQ(seen.at("a") + seen.at("c") + seen.at("d"), 3'000);

    // After waitDurationInOpenState the instance gets its half-open trial call again.
    clock_.advance(10s);
    EXPECT_FALSE(selector_.isolated("orders", "b"));
    const auto later = picks(four_, 8);
    EXPECT_EQ(later.count("b") ? later.at("b") : 0, 1);  // exactly the one permitted trial
}

TEST_F(GovernedSelectorTest, EveryInstanceIsolatedMeansNoInstance) {
    set_governance(
        {{"servicecomb.matchGroup.iso", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.instanceIsolation.iso",
          "minimumNumberOfCalls: 1\nslidingWindowType: COUNT_BASED\n"
          "slidingWindowSize: 1\n",
          "kie:app"}});
    const std::vector<Instance> one{instance("only", "1.0.0")};
    ASSERT_TRUE(selector_.select("orders", one, {}).has_value());
    selector_.record_outcome("orders", "only", false, 1ms);
    EXPECT_FALSE(selector_.select("orders", one, {}).has_value());
}

TEST_F(GovernedSelectorTest, WithoutARuleThreeConsecutiveFailuresIsolateForThirtySeconds) {
    selector_.record_outcome("orders", "b", false, 5ms);
    selector_.record_outcome("orders", "b", false, 5ms);
    selector_.record_outcome("orders", "b", true, 5ms);
    selector_.record_outcome("orders", "b", false, 5ms);
    selector_.record_outcome("orders", "b", false, 5ms);
    EXPECT_FALSE(selector_.isolated("orders", "b")) << "not consecutive";
    selector_.record_outcome("orders", "b", false, 5ms);
    EXPECT_TRUE(selector_.isolated("orders", "b"));
    EXPECT_FALSE(selector_.isolated("orders", "a"));
    EXPECT_EQ(actions_["instanceIsolation/isolated"], 1);
    EXPECT_EQ(picks(four_, 300).count("b"), 0u);
    selector_.record_outcome("orders", "b", true, 5ms);
    EXPECT_TRUE(selector_.isolated("orders", "b")) << "a success reported while open is ignored";

    clock_.advance(29s);
    EXPECT_TRUE(selector_.isolated("orders", "b"));
    clock_.advance(1s);
    EXPECT_FALSE(selector_.isolated("orders", "b")) << "30 s are over: one trial call";
    auto later = picks(four_, 8);
    EXPECT_EQ(later.count("b") ? later.at("b") : 0, 1);
    selector_.record_outcome("orders", "b", false, 5ms);
    EXPECT_TRUE(selector_.isolated("orders", "b")) << "the trial failed: another 30 s";

    clock_.advance(30s);
    ASSERT_EQ(picks(four_, 8).at("b"), 1);
    selector_.record_outcome("orders", "b", true, 5ms);
    EXPECT_EQ(picks(four_, 400).at("b"), 100) << "the trial passed: b is back in the rotation";
}

TEST_F(GovernedSelectorTest, AMatchingIsolationRuleReplacesTheDefault) {
    set_governance(
        {{"servicecomb.matchGroup.iso", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.instanceIsolation.iso",
          "minimumNumberOfCalls: 5\nslidingWindowType: COUNT_BASED\n"
          "slidingWindowSize: 5\n",
          "kie:app"}});
    for (int i = 0; i < 4; ++i) {
        selector_.record_outcome("orders", "b", false, 5ms);
    }
    EXPECT_FALSE(selector_.isolated("orders", "b")) << "the rule needs 5 calls";
    selector_.record_outcome("orders", "b", false, 5ms);
    EXPECT_TRUE(selector_.isolated("orders", "b"));
}

TEST_F(GovernedSelectorTest, RetainForgetsInstancesAndServicesGoneFromTheCache) {
    for (int i = 0; i < 3; ++i) {
        selector_.record_outcome("orders", "a", false, 5ms);
        selector_.record_outcome("orders", "b", false, 5ms);
    }
    ASSERT_EQ(selector_.tracked_instances(), 2u);
    selector_.retain({"orders"}, {"a", "c"});
    EXPECT_EQ(selector_.tracked_instances(), 1u);
    EXPECT_TRUE(selector_.isolated("orders", "a"));
    EXPECT_FALSE(selector_.isolated("orders", "b"));
    selector_.retain({}, {});
    EXPECT_EQ(selector_.tracked_instances(), 0u);
    EXPECT_FALSE(selector_.isolated("orders", "a"));
}

TEST_F(GovernedSelectorTest, DiscoveryAdapterUsesTheSetsServiceAndHashKey) {
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.loadbalance.all", "rule: ConsistentHash\n", "kie:app"}});
    auto shared = std::make_shared<GovernedSelector>([this] { return snapshot_; }, clock_);
    discovery::GovernedInstanceSelector adapter(shared);
    discovery::CachedSet set;
    set.key = {"shop", "orders", ""};
    std::vector<const Instance*> candidates;
    for (const auto& instance : four_) {
        candidates.push_back(&instance);
    }
    plugins::RequestView keyed;
    keyed.affinity_key = "user-17";
    const auto* first = adapter.select(set, candidates, keyed);
    ASSERT_NE(first, nullptr);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(adapter.select(set, candidates, keyed), first);  // same key, same instance
    }
    EXPECT_EQ(adapter.select(set, {}, keyed), nullptr);
}

TEST_F(GovernedSelectorTest, WeightedResponseLearnsLatencyFromReportedOutcomes) {
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.loadbalance.all", "rule: WeightedResponse\n", "kie:app"}});
    const std::vector<Instance> two{instance("slow", "1.0.0"), instance("fast", "1.0.0")};
    ASSERT_TRUE(selector_.select("orders", two, {}).has_value());  // the balancer exists now
    for (int i = 0; i < 20; ++i) {
        selector_.record_outcome("orders", "slow", true, 1000ms);
        selector_.record_outcome("orders", "fast", true, 1ms);
    }
    // Weights 1/1000 against 1/1: unfed (random) it would be about half and half.
    const auto seen = picks(two, 1000);
    EXPECT_GE(seen.count("fast") ? seen.at("fast") : 0, 980);
}

TEST_F(GovernedSelectorTest, LeastRequestCountsASelectInFlightUntilItsOutcome) {
    set_governance(
        {{"servicecomb.matchGroup.all", "matches:\n  - serviceName: orders\n", "kie:app"},
         {"servicecomb.loadbalance.all", "rule: LeastRequest\n", "kie:app"}});
    const std::vector<Instance> two{instance("a", "1.0.0"), instance("b", "1.0.0")};
    // With two candidates P2C compares both: every select goes to the one with fewer calls in
    // flight (a select starts one, its outcome ends it), so without outcomes the two never
    // differ by more than one.
    std::map<std::string, int> in_flight;
    for (int i = 0; i < 40; ++i) {
        in_flight[selector_.select("orders", two, {})->instance_id] += 1;
        ASSERT_LE(std::abs(in_flight["a"] - in_flight["b"]), 1) << "after " << i + 1;
    }
    ASSERT_EQ(in_flight["a"], 20);
    // Ending three of a's calls makes a the less loaded one: the next selects go there.
    for (int i = 0; i < 3; ++i) {
        selector_.record_outcome("orders", "a", true, 5ms);
    }
    EXPECT_EQ(selector_.select("orders", two, {})->instance_id, "a");
    EXPECT_EQ(selector_.select("orders", two, {})->instance_id, "a");
}

}  // namespace
}  // namespace scagent::plugins::governance
