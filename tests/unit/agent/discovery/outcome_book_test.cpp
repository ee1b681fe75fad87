#include <gtest/gtest.h>

#include "agent/discovery/instance_selector.hpp"
#include "agent/discovery/outcome_book.hpp"
#include "discovery_test_support.hpp"
#include "plugins/api/fake_clock.hpp"

namespace scagent::discovery {
namespace {

using namespace std::chrono_literals;

TEST(OutcomeBookTest, ThreeConsecutiveFailuresMarkAnInstanceBadUntilASuccessOrTheWindowEnds) {
    plugins::FakeClock clock;
    OutcomeBook book(clock);
    book.record("a", false, 5ms);
    book.record("a", false, 5ms);
    EXPECT_FALSE(book.is_bad("a"));
    book.record("a", false, 5ms);
    EXPECT_TRUE(book.is_bad("a"));
    EXPECT_FALSE(book.is_bad("b"));
    clock.advance(29s);
    EXPECT_TRUE(book.is_bad("a"));
    clock.advance(1s);
    EXPECT_FALSE(book.is_bad("a")) << "bad_for is over: traffic again";

    book.record("a", false, 5ms);
    EXPECT_TRUE(book.is_bad("a")) << "still 4 consecutive failures";
    book.record("a", true, 5ms);
    EXPECT_FALSE(book.is_bad("a"));
    EXPECT_EQ(book.record_of("a").failures, 4U);
    EXPECT_EQ(book.record_of("a").successes, 1U);
}

TEST(OutcomeBookTest, ExcludedListsTheBadInstancesOfASetAndOldRecordsAreForgotten) {
    plugins::FakeClock clock;
    OutcomeBook book(clock);
    plugins::InstanceSet set;
    set.instances = {test_support::instance("a"), test_support::instance("b")};
    for (int i = 0; i < 3; ++i) {
        book.record("b", false, 1ms);
    }
    EXPECT_EQ(book.excluded(set).ids, (std::set<std::string, std::less<>>{"b"}));
    clock.advance(11min);
    book.record("c", true, 1ms);  // triggers the sweep
    EXPECT_EQ(book.record_of("b").failures, 0U);
}

TEST(RoundRobinSelectorTest, CyclesThroughTheCandidates) {
    RoundRobinSelector selector;
    plugins::InstanceSet set;
    set.instances = {test_support::instance("a"), test_support::instance("b"),
                     test_support::instance("c")};
    std::vector<const plugins::Instance*> candidates = {&set.instances[0], &set.instances[2]};
    CachedSet cached;
    std::vector<std::string> picked;
    for (int i = 0; i < 4; ++i) {
        picked.push_back(selector.select(cached, candidates, {})->instance_id);
    }
    EXPECT_EQ(picked, (std::vector<std::string>{"a", "c", "a", "c"}));
    EXPECT_EQ(selector.select(cached, {}, {}), nullptr);
}

}  // namespace
}  // namespace scagent::discovery
