#include "agent/proxy/call_guards.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "plugins/api/fake_clock.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace gov = plugins::governance;
using namespace std::chrono_literals;

std::shared_ptr<const gov::GovernanceSnapshot> snapshot_of(
    std::vector<gov::GovernanceInput> inputs) {
    return gov::GovernanceSnapshot::build(inputs, gov::LocalService{"cart", "1.0.0"});
}

TEST(BulkheadGateTest, AWaitingCallerGetsTheSlotGivenBackWithoutPolling) {
    auto config = std::make_shared<gov::BulkheadConfig>();
    config->max_concurrent_calls = 1;
    config->max_wait_duration = 1h;  // only a given-back slot can end the wait in this test
    auto gate = std::make_shared<BulkheadGate>(config);
    auto first = gate->try_enter();
    ASSERT_TRUE(first);
    EXPECT_FALSE(gate->try_enter());

    asio::io_context ioc;
    std::optional<std::optional<BulkheadGate::Slot>> waited;
    asio::co_spawn(ioc, gate->enter(),
                   [&](std::exception_ptr, std::optional<BulkheadGate::Slot> s) {
                       waited.emplace(std::move(s));
                   });
    ioc.poll();
    EXPECT_FALSE(waited) << "the caller waits while the only slot is taken";
    EXPECT_EQ(gate->in_flight(), 1);

    first.reset();  // the slot comes back and wakes the waiter
    ioc.poll();
    ASSERT_TRUE(waited);
    EXPECT_TRUE(*waited) << "the woken caller holds the freed slot";
    EXPECT_EQ(gate->in_flight(), 1);
    waited.reset();
    EXPECT_EQ(gate->in_flight(), 0);
}

TEST(BulkheadGateTest, AWaitEndsEmptyAtMaxWaitDuration) {
    auto config = std::make_shared<gov::BulkheadConfig>();
    config->max_concurrent_calls = 0;
    config->max_wait_duration = 1ms;
    auto gate = std::make_shared<BulkheadGate>(config);
    asio::io_context ioc;
    std::optional<std::optional<BulkheadGate::Slot>> waited;
    asio::co_spawn(ioc, gate->enter(),
                   [&](std::exception_ptr, std::optional<BulkheadGate::Slot> s) {
                       waited.emplace(std::move(s));
                   });
    ioc.run();  // ends when the 1 ms deadline has passed
    ASSERT_TRUE(waited);
    EXPECT_FALSE(*waited);
}

class GuardStatesTest : public ::testing::Test {
  protected:
    prometheus::Registry registry;
    prometheus::Family<prometheus::Gauge>& circuit =
        prometheus::BuildGauge().Name("circuit").Register(registry);
    plugins::FakeClock clock;
    std::vector<std::pair<std::string, std::string>> actions;
    GuardStates states{clock, circuit, [this](std::string_view kind, std::string_view action) {
                           actions.emplace_back(kind, action);
                       }};
};

TEST_F(GuardStatesTest, AnUnchangedPolicyKeepsItsBreakerAcrossAReloadAndARemovedOneLosesIt) {
    const gov::GovernanceInput group{"servicecomb.matchGroup.a",
                                     "matches:\n  - apiPath: {prefix: /}\n", "test"};
    const gov::GovernanceInput breaker{
        "servicecomb.circuitBreaker.a",
        "minimumNumberOfCalls: 1\nslidingWindowType: COUNT_BASED\nslidingWindowSize: 1\n", "test"};
    const auto first = snapshot_of({group, breaker});
    auto opened = states.breaker(first->circuit_breakers().at(0), "orders");
    ASSERT_TRUE(opened->try_acquire());
    opened->record({503, false, {}});
    EXPECT_EQ(opened->state(), gov::BreakerState::kOpen);
    EXPECT_EQ(actions.back(), (std::pair<std::string, std::string>{"circuitBreaker", "opened"}));
    EXPECT_EQ(circuit.Add({{"service", "orders"}}).Value(), 1);

    // A reload with the same policy (a new object, equal by value) keeps the open breaker.
    const auto reloaded = snapshot_of({group, breaker});
    states.retain(*reloaded);
    EXPECT_EQ(states.breaker(reloaded->circuit_breakers().at(0), "orders"), opened);
    // Another service has its own breaker.
    EXPECT_NE(states.breaker(reloaded->circuit_breakers().at(0), "payments"), opened);

    // Gone from governance: its state goes too, and a policy of the same name starts closed.
    states.retain(*snapshot_of({group}));
    const auto back = snapshot_of({group, breaker});
    const auto fresh = states.breaker(back->circuit_breakers().at(0), "orders");
    EXPECT_NE(fresh, opened);
    EXPECT_EQ(fresh->state(), gov::BreakerState::kClosed);
}

TEST_F(GuardStatesTest, ARateLimiterPeekTakesNoPermit) {
    const auto snapshot = snapshot_of(
        {{"servicecomb.matchGroup.a", "matches:\n  - apiPath: {prefix: /}\n", "test"},
         {"servicecomb.rateLimiting.a", "rate: 1\nlimitRefreshPeriod: 60000\n", "test"}});
    auto limiter = states.rate_limiter(snapshot->rate_limits().at(0));
    EXPECT_TRUE(limiter->peek().admitted);
    EXPECT_TRUE(limiter->peek().admitted);
    EXPECT_TRUE(limiter->acquire().admitted);
    const auto refused = limiter->peek();
    EXPECT_FALSE(refused.admitted);
    EXPECT_EQ(refused.wait, 60s);
    clock.advance(60s);
    EXPECT_TRUE(limiter->acquire().admitted);
}

}  // namespace
}  // namespace scagent::proxy
