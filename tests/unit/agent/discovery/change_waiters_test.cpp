#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "agent/discovery/change_waiters.hpp"
#include "discovery_test_support.hpp"
#include "plugins/api/fake_clock.hpp"

namespace scagent::discovery {
namespace {

namespace asio = boost::asio;
using namespace test_support;  // NOLINT: the test helpers
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

class ChangeWaitersTest : public ::testing::Test {
  protected:
    ChangeWaitersTest() {
        cache_.add_listener(
            [this](const CacheKey& key, const CachedSetPtr&) { waiters_.notify(key); });
        cache_.track(kCart);
        cache_.apply_live_result(kCart, live({"a"}));
    }

    struct Outcome {
        std::uint64_t index = 0;
        Steady::duration took{};
    };

    /// Starts one waiter on `io`; `out` is set when it returns.
    void start_wait(asio::io_context& io, std::uint64_t known, milliseconds wait,
                    std::optional<Outcome>& out, CacheKey key = kCart) {
        asio::co_spawn(
            io,
            [this, known, wait, &out, key]() -> asio::awaitable<void> {
                auto started = Steady::now();
                auto index = co_await waiters_.wait_for_change(co_await asio::this_coro::executor,
                                                               key, known, wait);
                out = Outcome{index, Steady::now() - started};
            },
            asio::detached);
    }

    plugins::FakeClock clock_;
    InstanceCache cache_{clock_};
    ChangeWaiters waiters_{cache_};
};

TEST_F(ChangeWaitersTest, ReturnsAtOnceWhenTheIndexAlreadyDiffers) {
    asio::io_context io;
    std::optional<Outcome> out;
    start_wait(io, cache_.index_of(kCart) - 1, milliseconds(150), out);
    io.run_for(milliseconds(1000));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->index, cache_.index_of(kCart));
    EXPECT_LT(out->took, milliseconds(100));
}

TEST_F(ChangeWaitersTest, TimesOutWithTheSameIndexWhenNothingChanges) {
    asio::io_context io;
    std::optional<Outcome> out;
    auto known = cache_.index_of(kCart);
    start_wait(io, known, milliseconds(60), out);
    io.run_for(milliseconds(2000));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->index, known);
    EXPECT_GE(out->took, milliseconds(60));
    EXPECT_EQ(waiters_.size(), 0u);
}

TEST_F(ChangeWaitersTest, WakesEarlyOnAChangeOfItsKeyOnly) {
    asio::io_context io;
    std::optional<Outcome> cart;
    std::optional<Outcome> stock;
    cache_.track(kStock);
    cache_.apply_live_result(kStock, live({"s"}));
    auto known = cache_.index_of(kCart);
    start_wait(io, known, milliseconds(200), cart);
    start_wait(io, cache_.index_of(kStock), milliseconds(200), stock, kStock);
    asio::steady_timer change(io, milliseconds(20));
    change.async_wait([&](auto) { cache_.apply_live_result(kCart, live({"a", "b"})); });
    // Stop as soon as the cart waiter is back: the stock waiter must still be waiting then.
    while (!cart && io.run_one_for(milliseconds(1000)) > 0) {
    }
    ASSERT_TRUE(cart);
    EXPECT_NE(cart->index, known);
    EXPECT_LT(cart->took, milliseconds(180));
    EXPECT_FALSE(stock);
    io.run_for(milliseconds(1000));
    ASSERT_TRUE(stock);
    EXPECT_GE(stock->took, milliseconds(200));
}

TEST_F(ChangeWaitersTest, AnUnchangedRefreshDoesNotWakeWaiters) {
    asio::io_context io;
    std::optional<Outcome> out;
    auto known = cache_.index_of(kCart);
    start_wait(io, known, milliseconds(80), out);
    asio::steady_timer refresh(io, milliseconds(10));
    refresh.async_wait([&](auto) {
        cache_.apply_live_result(kCart, live({"a"}, "other-rev"));
        cache_.mark_failure(kCart);
    });
    io.run_for(milliseconds(2000));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->index, known);
    EXPECT_GE(out->took, milliseconds(80));
}

TEST_F(ChangeWaitersTest, ManyWaitersOnSeveralThreadsAllWakeOnOneChangeFromAnotherThread) {
    asio::io_context io;
    constexpr int kWaiters = 1000;
    constexpr auto kLongWait = milliseconds(60000);
    std::vector<std::optional<Outcome>> outs(kWaiters);
    auto known = cache_.index_of(kCart);
    for (auto& out : outs) {
        // A wait far longer than the test: only the change can end it early, however
        // slow the machine (ASan, loaded CI) is at registering a thousand waiters.
        start_wait(io, known, kLongWait, out);
    }
    auto guard = asio::make_work_guard(io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&] { io.run(); });
    }
    // Wait (bounded) until every waiter is registered, then change the set from this thread.
    for (int i = 0; i < 20000 && waiters_.size() < kWaiters; ++i) {
        std::this_thread::sleep_for(milliseconds(1));
    }
    EXPECT_EQ(waiters_.size(), static_cast<std::size_t>(kWaiters));
    cache_.apply_live_result(kCart, live({"a", "c"}));
    guard.reset();
    for (auto& thread : threads) {
        thread.join();
    }
    int early = 0;
    for (const auto& out : outs) {
        ASSERT_TRUE(out);
        EXPECT_EQ(out->index, cache_.index_of(kCart));
        early += out->took < kLongWait ? 1 : 0;
    }
    EXPECT_EQ(early, kWaiters);
    EXPECT_EQ(waiters_.size(), 0u);
}

TEST_F(ChangeWaitersTest, CancelAllReleasesWaitersAndRefusesNewOnes) {
    asio::io_context io;
    std::optional<Outcome> before;
    std::optional<Outcome> after;
    auto known = cache_.index_of(kCart);
    start_wait(io, known, milliseconds(200), before);
    asio::steady_timer stop(io, milliseconds(10));
    stop.async_wait([&](auto) {
        waiters_.cancel_all();
        start_wait(io, known, milliseconds(200), after);
    });
    io.run_for(milliseconds(2000));
    ASSERT_TRUE(before);
    ASSERT_TRUE(after);
    EXPECT_LT(before->took, milliseconds(180));
    EXPECT_LT(after->took, milliseconds(100));
}

TEST_F(ChangeWaitersTest, ALongWaitSleepsUntilReleased) {
    EXPECT_EQ(ChangeWaiters::kMaxWait, std::chrono::minutes(10));
    asio::io_context io;
    std::optional<Outcome> out;
    start_wait(io, cache_.index_of(kCart), std::chrono::hours(5), out);
    io.run_for(milliseconds(20));
    EXPECT_FALSE(out);
    ASSERT_EQ(waiters_.size(), 1u);
    waiters_.cancel_all();  // release it rather than waiting
    io.run_for(milliseconds(1000));
    EXPECT_TRUE(out);
}

}  // namespace
}  // namespace scagent::discovery
