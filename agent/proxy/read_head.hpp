#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "agent/runtime/asio_tokens.hpp"

namespace scagent::proxy {

/// Reads into `buffer` until `parser` holds a whole head, as Beast's async_read_header does,
/// but straight from the socket: what is buffered (a pipelined request, bytes that came with
/// the last answer) is parsed first, and each read is one socket operation. Beast's version
/// adds two composed operations and a stream timer armed and cancelled around every read
/// (perf, bench/proxy); here the caller bounds the wait instead, with one timer for the whole
/// connection (client side) or try (upstream side). Errors are Beast's: end_of_stream when the
/// peer closed before a byte, partial_message after some, header_limit, the parser's own, and
/// beast's timeout once `expired()` says the caller's deadline has passed: a deadline's timer
/// cancels the pending read, but it can fire between a read that just completed and the next
/// one, so each read first asks.
template <bool IsRequest, class Expired>
boost::asio::awaitable<boost::beast::error_code> read_head(
    boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer,
    boost::beast::http::basic_parser<IsRequest>& parser, Expired expired) {
    namespace http = boost::beast::http;
    parser.eager(false);  // stop at the end of the head: the body is the caller's to read
    for (;;) {
        if (buffer.size() > 0) {
            boost::beast::error_code ec;
            buffer.consume(parser.put(buffer.data(), ec));
            if (parser.is_header_done()) {
                co_return boost::beast::error_code{};
            }
            if (ec && ec != http::error::need_more) {
                co_return ec;
            }
        }
        if (expired()) {
            co_return boost::beast::error_code(boost::beast::error::timeout);
        }
        const auto room = boost::beast::read_size(buffer, 64 * 1024);
        if (room == 0) {
            co_return boost::beast::error_code(http::error::buffer_overflow);
        }
        auto space = buffer.prepare(room);
        auto [ec, n] = co_await socket.async_read_some(space, runtime::kNoThrow);
        buffer.commit(n);
        if (ec == boost::asio::error::eof) {
            co_return boost::beast::error_code(buffer.size() > 0 || parser.got_some()
                                                   ? http::error::partial_message
                                                   : http::error::end_of_stream);
        }
        if (ec) {
            co_return ec;
        }
    }
}

}  // namespace scagent::proxy
