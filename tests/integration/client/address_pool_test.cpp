#include "agent/net/address_pool.hpp"

#include <gtest/gtest.h>

#include "plugins/api/fake_clock.hpp"

namespace scagent::net {
namespace {

using namespace std::chrono_literals;

class AddressPoolTest : public ::testing::Test {
  protected:
    plugins::FakeClock clock;
    AddressPool pool{
        {"a", "b", "c"}, clock, AddressPoolOptions{.failure_threshold = 3, .isolation = 30s}};

    void fail(const std::string& address, int times) {
        for (int i = 0; i < times; ++i) {
            pool.report_failure(address);
        }
    }
};

TEST_F(AddressPoolTest, RoundRobin) {
    EXPECT_EQ(pool.pick(), "a");
    EXPECT_EQ(pool.pick(), "b");
    EXPECT_EQ(pool.pick(), "c");
    EXPECT_EQ(pool.pick(), "a");
}

TEST_F(AddressPoolTest, AvoidSkipsTheAddressThatJustFailed) {
    EXPECT_EQ(pool.pick(), "a");
    EXPECT_EQ(pool.pick("b"), "c");
    EXPECT_EQ(pool.pick("a"), "b");
}

TEST_F(AddressPoolTest, IsolatedAfterThreeConsecutiveFailures) {
    fail("a", 2);
    EXPECT_FALSE(pool.isolated("a"));
    pool.report_success("a");  // resets the streak
    fail("a", 2);
    EXPECT_FALSE(pool.isolated("a"));
    fail("a", 1);
    EXPECT_TRUE(pool.isolated("a"));
    for (int i = 0; i < 6; ++i) {
        EXPECT_NE(pool.pick(), "a");
    }
}

TEST_F(AddressPoolTest, ReprobedOnceAfterIsolationThenRestoredBySuccess) {
    fail("a", 3);
    clock.advance(29s);
    EXPECT_NE(pool.pick(), "a");
    clock.advance(1s);
    // The next turns include exactly one probe of "a".
    int probes = 0;
    for (int i = 0; i < 6; ++i) {
        probes += pool.pick() == "a";
    }
    EXPECT_EQ(probes, 1);
    pool.report_success("a");
    EXPECT_FALSE(pool.isolated("a"));
    probes = 0;
    for (int i = 0; i < 6; ++i) {
        probes += pool.pick() == "a";
    }
    EXPECT_EQ(probes, 2);
}

TEST_F(AddressPoolTest, FailedProbeIsolatesAgain) {
    fail("a", 3);
    clock.advance(30s);
    while (pool.pick() != "a") {
    }
    pool.report_failure("a");
    clock.advance(29s);
    for (int i = 0; i < 6; ++i) {
        EXPECT_NE(pool.pick(), "a");
    }
}

TEST_F(AddressPoolTest, AllIsolatedStillReturnsTheSoonestToRecover) {
    fail("b", 3);
    clock.advance(5s);
    fail("c", 3);
    clock.advance(5s);
    fail("a", 3);
    EXPECT_EQ(pool.pick(), "b");
    EXPECT_EQ(pool.pick("b"), "c");
}

TEST_F(AddressPoolTest, SingleAddressIsAlwaysReturned) {
    AddressPool single({"only"}, clock);
    single.report_failure("only");
    single.report_failure("only");
    single.report_failure("only");
    EXPECT_EQ(single.pick(), "only");
    EXPECT_EQ(single.pick("only"), "only");
}

}  // namespace
}  // namespace scagent::net
