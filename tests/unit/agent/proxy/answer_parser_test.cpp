// What the proxy keeps of a provider's answer head, and how the body reaches its window.
#include "agent/proxy/answer_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <string>

namespace scagent::proxy {
namespace {

namespace http = boost::beast::http;

/// Feeds `text` to `parser` in one piece; returns the bytes used.
std::size_t feed(AnswerParser& parser, std::string_view text, boost::beast::error_code& ec) {
    return parser.put(boost::asio::buffer(text.data(), text.size()), ec);
}

TEST(AnswerParserTest, KeepsEndToEndFieldsInOrderAndLeavesOutFramingAndHopByHop) {
    std::string fields = "left over from the last call";
    AnswerParser parser(fields, false);
    parser.eager(false);
    const std::string head =
        "HTTP/1.1 201 Made\r\n"
        "Content-Type: text/plain\r\n"
        "Set-Cookie: a=1\r\n"
        "Connection: keep-alive, X-Private\r\n"
        "X-Private: secret\r\n"
        "Keep-Alive: timeout=5\r\n"
        "Content-Length: 5\r\n"
        "X-Sc-Agent-Error: FAKE\r\n"
        "X-Sc-Instance: theirs\r\n"
        "Set-Cookie: b=2\r\n"
        "\r\n";
    boost::beast::error_code ec;
    EXPECT_EQ(feed(parser, head, ec), head.size());
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(parser.is_header_done());
    EXPECT_EQ(parser.status(), 201u);
    EXPECT_EQ(parser.reason(), "Made");
    EXPECT_EQ(parser.content_length().value_or(0), 5u);
    EXPECT_TRUE(parser.keep_alive());
    // X-Private comes before... and after the Connection field that names it: gone either way.
    EXPECT_EQ(parser.field_lines(),
              "Content-Type: text/plain\r\nSet-Cookie: a=1\r\nX-Sc-Instance: theirs\r\n"
              "Set-Cookie: b=2\r\n");
}

TEST(AnswerParserTest, AFieldNamedByAConnectionFieldThatComesLaterIsRemovedToo) {
    std::string fields;
    AnswerParser parser(fields, true);
    parser.eager(false);
    const std::string head =
        "HTTP/1.1 200 OK\r\nX-Hop: 1\r\nX-Sc-Instance: theirs\r\nVary: Accept\r\n"
        "Connection: x-hop\r\nContent-Length: 0\r\n\r\n";
    boost::beast::error_code ec;
    feed(parser, head, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(parser.field_lines(), "Vary: Accept\r\n");  // X-Sc-Instance: the proxy's own goes
}

TEST(AnswerParserTest, ChunkedBodyArrivesDecodedInTheWindowAndAsksForRoomWhenFull) {
    std::string fields;
    AnswerParser parser(fields, false);
    parser.eager(true);
    const std::string answer =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    std::array<char, 4> window{};
    parser.body_window(window.data(), window.size());
    boost::beast::error_code ec;
    std::string_view rest = answer;
    std::string body;
    while (!parser.is_done()) {
        const auto used = feed(parser, rest, ec);
        rest.remove_prefix(used);
        body.append(window.data(), window.size() - parser.body_room());
        if (ec == http::error::need_buffer) {
            ec = {};
        }
        ASSERT_FALSE(ec) << ec.message();
        parser.body_window(window.data(), window.size());
    }
    EXPECT_EQ(body, "hello world");
    EXPECT_TRUE(parser.chunked());
    EXPECT_EQ(parser.field_lines(), "");  // Transfer-Encoding is the proxy's to write
}

TEST(AnswerParserTest, WithoutAWindowTheBodyWaitsInTheInput) {
    std::string fields;
    AnswerParser parser(fields, false);
    parser.eager(true);
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    boost::beast::error_code ec;
    const auto used = feed(parser, answer, ec);
    EXPECT_EQ(ec, http::error::need_buffer);
    EXPECT_EQ(used, answer.size() - 2);  // the head only
    EXPECT_FALSE(parser.is_done());
}

}  // namespace
}  // namespace scagent::proxy
