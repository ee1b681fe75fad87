// read_head(): a whole head from buffered and socket bytes, and the caller's deadline asked
// before every read.
#include "agent/proxy/read_head.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <optional>

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// A connected pair of loopback sockets: `client` writes, `server` is read by read_head().
class ReadHeadTest : public ::testing::Test {
  protected:
    ReadHeadTest() {
        tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        client.connect(acceptor.local_endpoint());
        acceptor.accept(server);
    }

    /// Runs read_head() on `server` to its end; `expired` is the caller's deadline.
    template <class Expired>
    beast::error_code read(Expired expired) {
        std::optional<beast::error_code> got;
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<beast::error_code> {
                co_return co_await read_head(server, buffer, parser, expired);
            },
            [&](std::exception_ptr, beast::error_code ec) { got = ec; });
        while (!got && ioc.run_one_for(5s) > 0) {
        }
        return got.value_or(beast::error_code(asio::error::timed_out));
    }

    asio::io_context ioc;
    tcp::socket client{ioc};
    tcp::socket server{ioc};
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
};

TEST_F(ReadHeadTest, TheHeadIsParsedAndAPipelinedRequestStaysInTheBuffer) {
    asio::write(client, asio::buffer(std::string_view("GET /x HTTP/1.1\r\nHo")));
    asio::write(client, asio::buffer(std::string_view("st: a\r\n\r\nGET /y HTTP/1.1\r\n\r\n")));
    const auto ec = read([] { return false; });
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_header_done());
    EXPECT_EQ(parser.get().target(), "/x");
    EXPECT_EQ(parser.get()[http::field::host], "a");
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "GET /y HTTP/1.1\r\n\r\n");
}

TEST_F(ReadHeadTest, APassedDeadlineEndsTheWaitBeforeTheNextReadEvenWithNoReadPending) {
    // Half a head, then silence. The deadline passes between two reads (its timer found no read
    // to cancel): the next read is not started.
    asio::write(client, asio::buffer(std::string_view("GET /x HTTP/1.1\r\nHo")));
    int asked = 0;
    const auto ec = read([&asked] { return ++asked > 1; });
    EXPECT_EQ(ec, beast::error::timeout) << ec.message();
    EXPECT_EQ(asked, 2);  // asked before the first read (not passed) and before the second
    EXPECT_FALSE(parser.is_header_done());
}

TEST_F(ReadHeadTest, APeerThatClosesMidHeadIsAPartialMessage) {
    asio::write(client, asio::buffer(std::string_view("GET /x HTTP/1.1\r\nHo")));
    client.close();
    EXPECT_EQ(read([] { return false; }), http::error::partial_message);
}

}  // namespace
}  // namespace scagent::proxy
