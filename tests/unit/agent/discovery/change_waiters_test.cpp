#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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

/// Longer than any test runs: a waiter back before it was released by the event under test.
constexpr milliseconds kLongWait = ChangeWaiters::kMaxWait;
/// How long a test runs its io_context at most: reaching it means the event never came.
constexpr milliseconds kDeadline = std::chrono::seconds(30);

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

    /// Runs `io` one handler at a time until `done` holds; false if `io` ran out of work or
    /// kDeadline passed first.
    template <typename Done>
    bool run_until(asio::io_context& io, Done done) {
        const auto deadline = Steady::now() + kDeadline;
        while (!done() && Steady::now() < deadline) {
            if (io.run_one_for(kDeadline) == 0) {
                break;
            }
        }
        return done();
    }

    plugins::FakeClock clock_;
    InstanceCache cache_{clock_};
    ChangeWaiters waiters_{cache_};
};

TEST_F(ChangeWaitersTest, ReturnsAtOnceWhenTheIndexAlreadyDiffers) {
    asio::io_context io;
    std::optional<Outcome> out;
    start_wait(io, cache_.index_of(kCart) - 1, kLongWait, out);
    io.run_for(kDeadline);  // returns as soon as the waiter is done
    ASSERT_TRUE(out) << "still waiting";
    EXPECT_EQ(out->index, cache_.index_of(kCart));
    EXPECT_LT(out->took, kLongWait);
}

TEST_F(ChangeWaitersTest, TimesOutWithTheSameIndexWhenNothingChanges) {
    asio::io_context io;
    std::optional<Outcome> out;
    auto known = cache_.index_of(kCart);
    start_wait(io, known, milliseconds(60), out);
    io.run_for(kDeadline);
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
    auto known_stock = cache_.index_of(kStock);
    start_wait(io, known, kLongWait, cart);
    start_wait(io, known_stock, kLongWait, stock, kStock);
    ASSERT_TRUE(run_until(io, [&] { return waiters_.size() == 2; }));
    cache_.apply_live_result(kCart, live({"a", "b"}));
    ASSERT_TRUE(run_until(io, [&] { return cart.has_value(); })) << "the change did not wake it";
    EXPECT_NE(cart->index, known);
    EXPECT_LT(cart->took, kLongWait);
    // Whatever the change queued has run: the stock waiter must still be waiting.
    io.poll();
    EXPECT_FALSE(stock);
    EXPECT_EQ(waiters_.size(), 1u);
    waiters_.cancel_all();  // release it rather than waiting
    ASSERT_TRUE(run_until(io, [&] { return stock.has_value(); }));
    EXPECT_EQ(stock->index, known_stock);
}

TEST_F(ChangeWaitersTest, AnUnchangedRefreshDoesNotWakeWaiters) {
    asio::io_context io;
    std::optional<Outcome> out;
    auto known = cache_.index_of(kCart);
    start_wait(io, known, milliseconds(80), out);
    ASSERT_TRUE(run_until(io, [&] { return waiters_.size() == 1; }));
    cache_.apply_live_result(kCart, live({"a"}, "other-rev"));
    cache_.mark_failure(kCart);
    io.run_for(kDeadline);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->index, known);
    EXPECT_GE(out->took, milliseconds(80));
}

TEST_F(ChangeWaitersTest, ManyWaitersOnSeveralThreadsAllWakeOnOneChangeFromAnotherThread) {
    asio::io_context io;
    constexpr int kWaiters = 1000;
    std::vector<std::optional<Outcome>> outs(kWaiters);
    auto known = cache_.index_of(kCart);
    for (auto& out : outs) {
        // A wait far longer than the test: only the change can end it early, however
        // slow the machine (ASan, loaded CI) is at registering a thousand waiters.
        start_wait(io, known, kLongWait, out);
    }
    // Every waiter registers on this thread first; then three threads run the io_context while
    // this one changes the set.
    ASSERT_TRUE(
        run_until(io, [&] { return waiters_.size() == static_cast<std::size_t>(kWaiters); }));
    auto guard = asio::make_work_guard(io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&] { io.run(); });
    }
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
    start_wait(io, known, kLongWait, before);
    ASSERT_TRUE(run_until(io, [&] { return waiters_.size() == 1; }));
    waiters_.cancel_all();
    start_wait(io, known, kLongWait, after);
    io.run_for(kDeadline);  // returns as soon as both are done
    ASSERT_TRUE(before) << "not released";
    ASSERT_TRUE(after) << "a new waiter was accepted after cancel_all";
    EXPECT_LT(before->took, kLongWait);
    EXPECT_LT(after->took, kLongWait);
}

TEST_F(ChangeWaitersTest, ALongWaitSleepsUntilReleased) {
    EXPECT_EQ(ChangeWaiters::kMaxWait, std::chrono::minutes(10));
    asio::io_context io;
    std::optional<Outcome> out;
    start_wait(io, cache_.index_of(kCart), std::chrono::hours(5), out);
    ASSERT_TRUE(run_until(io, [&] { return waiters_.size() == 1; }));
    io.poll();
    EXPECT_FALSE(out);
    waiters_.cancel_all();  // release it rather than waiting
    io.run_for(kDeadline);
    EXPECT_TRUE(out);
}

}  // namespace
}  // namespace scagent::discovery
