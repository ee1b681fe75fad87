// The lifecycle primitives: TaskGroup (spawn, cancel, wait), Event (set, reset, cancellation)
// and Supervisor (restart with backoff, fault reporting). Real io_context, no sleeps: each test
// runs the context until the thing it waits for has happened, and the context running out of
// work proves that nothing was left behind.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <stdexcept>

#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/event.hpp"
#include "agent/runtime/supervisor.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::runtime {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

/// Waits on a timer that would not fire for an hour: only cancellation ends it.
asio::awaitable<void> wait_an_hour(int& aborted) {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
    const auto [ec] = co_await timer.async_wait(kNoThrow);
    if (ec == asio::error::operation_aborted) {
        ++aborted;
    }
}

TEST(TaskGroupTest, CancelReachesEveryTaskAndWaitReturnsWhenAllHaveEnded) {
    asio::io_context ioc;
    TaskGroup group;
    int aborted = 0;
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(group.spawn(ioc.get_executor(), wait_an_hour(aborted), "sleeper"));
    }
    EXPECT_EQ(group.size(), 3u);
    bool waited = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            group.cancel();
            co_await group.wait();
            waited = true;
        },
        asio::detached);
    ioc.run();  // returns only once nothing is pending: no task was abandoned
    EXPECT_TRUE(waited);
    EXPECT_EQ(aborted, 3);
    EXPECT_EQ(group.size(), 0u);
}

TEST(TaskGroupTest, SpawnAfterCancelIsRefusedAndAnEmptyGroupIsIdle) {
    asio::io_context ioc;
    TaskGroup group;
    group.cancel();
    int aborted = 0;
    EXPECT_FALSE(group.spawn(ioc.get_executor(), wait_an_hour(aborted), "late"));
    bool waited = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await group.wait();
            waited = true;
        },
        asio::detached);
    ioc.run();
    EXPECT_TRUE(waited);
    EXPECT_EQ(aborted, 0);
}

TEST(EventTest, SetWakesWaitersAndLaterWaitsPassUntilReset) {
    asio::io_context ioc;
    Event event;
    int woken = 0;
    auto waiter = [&]() -> asio::awaitable<void> {
        co_await event.wait();
        ++woken;
    };
    asio::co_spawn(ioc, waiter(), asio::detached);
    asio::co_spawn(ioc, waiter(), asio::detached);
    ioc.poll();
    EXPECT_EQ(woken, 0);
    event.set();
    ioc.run();
    EXPECT_EQ(woken, 2);

    ioc.restart();
    asio::co_spawn(ioc, waiter(), asio::detached);  // already set: passes at once
    ioc.run();
    EXPECT_EQ(woken, 3);

    event.reset();
    EXPECT_FALSE(event.is_set());
}

TEST(EventTest, TheLoserOfARaceIsCancelledNotLeftWaiting) {
    asio::io_context ioc;
    Event first;
    Event second;
    std::size_t winner = 99;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            const auto result =
                co_await (first.async_wait(kNoThrow) || second.async_wait(kNoThrow));
            winner = result.index();
        },
        asio::detached);
    ioc.poll();
    second.set();
    ioc.run();  // would never return if `first` still held its waiter
    EXPECT_EQ(winner, 1u);
}

TEST(SupervisorTest, AFailingLoopIsReportedUntilItRestarts) {
    asio::io_context ioc;
    prometheus::Registry registry;
    Supervisor supervisor(
        &registry, SupervisorOptions{.backoff_min = 1h, .backoff_max = 1h, .fault_hook = {}});
    TaskGroup group;
    supervisor.spawn(group, ioc.get_executor(), "cache.refresher",
                     [](Supervisor::Checkpoint) -> asio::awaitable<void> {
                         throw std::runtime_error("registry answered garbage");
                         co_return;
                     });
    const auto before = prometheus::TextSerializer().Serialize(registry.Collect());
    EXPECT_NE(before.find("sc_agent_loop_restarts_total{loop=\"cache.refresher\"} 0"),
              std::string::npos)
        << "a supervised loop's counter exists at 0 before any restart:\n"
        << before;
    while (!supervisor.fault() && ioc.run_one() > 0) {
    }
    ASSERT_TRUE(supervisor.fault());
    EXPECT_EQ(*supervisor.fault(), "cache.refresher failed: registry answered garbage");
    EXPECT_EQ(supervisor.restarts("cache.refresher"), 1u);
    const auto text = prometheus::TextSerializer().Serialize(registry.Collect());
    EXPECT_NE(text.find("sc_agent_loop_restarts_total{loop=\"cache.refresher\"} 1"),
              std::string::npos)
        << text;

    group.cancel();  // cancelled during its backoff: ends quietly
    ioc.run();
    EXPECT_EQ(group.size(), 0u);
}

TEST(SupervisorTest, TheLoopRunsAgainAfterTheBackoffAndTheFaultClears) {
    asio::io_context ioc;
    int faults_left = 2;
    Supervisor supervisor(nullptr, SupervisorOptions{.backoff_min = 1ms,
                                                     .backoff_max = 2ms,
                                                     .fault_hook = [&](std::string_view loop) {
                                                         if (loop == "kie" && faults_left > 0) {
                                                             --faults_left;
                                                             throw std::runtime_error("injected");
                                                         }
                                                     }});
    TaskGroup group;
    int runs = 0;
    int completed = 0;
    supervisor.spawn(group, ioc.get_executor(), "kie",
                     [&](Supervisor::Checkpoint checkpoint) -> asio::awaitable<void> {
                         ++runs;
                         checkpoint();
                         ++completed;
                         co_return;
                     });
    ioc.run();
    EXPECT_EQ(runs, 3);
    EXPECT_EQ(completed, 1);
    EXPECT_EQ(supervisor.restarts("kie"), 2u);
    EXPECT_FALSE(supervisor.fault());
}

}  // namespace
}  // namespace scagent::runtime
