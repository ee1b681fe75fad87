#include "agent/proxy/upstream_pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "plugins/api/fake_clock.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

/// A pool against a local listener that accepts and holds every connection.
class UpstreamPoolTest : public ::testing::Test {
  protected:
    UpstreamPoolTest() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) { accept(); }

    UpstreamConnectionPtr acquire() {
        UpstreamConnectionPtr got;
        bool done = false;
        asio::co_spawn(
            ioc_,
            [this]() -> asio::awaitable<UpstreamConnectionPtr> {
                auto acquired =
                    co_await pool_.acquire("127.0.0.1", acceptor_.local_endpoint().port(), nullptr);
                co_return std::move(acquired.connection);
            },
            [&](std::exception_ptr, UpstreamConnectionPtr connection) {
                got = std::move(connection);
                done = true;
            });
        // The listener's accept stays pending: run until the acquire has completed.
        while (!done && ioc_.run_one_for(5s) > 0) {
        }
        ioc_.poll();  // the accept of a new connection, if one was made
        return got;
    }

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
            if (!ec) {
                accepted_.push_back(std::move(socket));
                accept();
            }
        });
    }

    asio::io_context ioc_;
    asio::ip::tcp::acceptor acceptor_;
    std::vector<asio::ip::tcp::socket> accepted_;
    plugins::FakeClock clock_;
    UpstreamPool pool_{UpstreamPoolOptions{1s, 30s, 8}, clock_};
};

TEST_F(UpstreamPoolTest, AnIdleConnectionIsKeptUntilItsIdleTimeoutThenClosed) {
    auto connection = acquire();
    ASSERT_TRUE(connection);
    auto* kept = connection.get();
    pool_.release(std::move(connection));

    clock_.advance(30s - 1ms);
    EXPECT_EQ(pool_.close_expired(), 0u);
    auto again = acquire();
    EXPECT_EQ(again.get(), kept) << "still idle: reused";
    pool_.release(std::move(again));

    clock_.advance(30s);
    EXPECT_EQ(pool_.close_expired(), 1u);
    EXPECT_EQ(pool_.close_expired(), 0u);
    auto fresh = acquire();
    ASSERT_TRUE(fresh);
    EXPECT_EQ(accepted_.size(), 2u) << "the expired one was closed, a new one opened";
}

TEST_F(UpstreamPoolTest, OnlyTheConnectionsIdleTooLongAreClosed) {
    auto first = acquire();
    auto second = acquire();
    ASSERT_TRUE(first && second);
    pool_.release(std::move(first));
    clock_.advance(20s);
    pool_.release(std::move(second));
    clock_.advance(15s);  // first idle 35 s, second 15 s
    EXPECT_EQ(pool_.close_expired(), 1u);
    auto reused = acquire();
    ASSERT_TRUE(reused);
    EXPECT_EQ(accepted_.size(), 2u) << "the younger one is reused";
}

}  // namespace
}  // namespace scagent::proxy
