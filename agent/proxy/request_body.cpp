#include "agent/proxy/request_body.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <string>

#include "agent/proxy/message_head.hpp"
#include "agent/runtime/asio_tokens.hpp"

namespace scagent::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using runtime::kNoThrow;

asio::awaitable<StreamedBody::Ended> StreamedBody::pass_on(boost::beast::tcp_stream& upstream,
                                                           std::span<char> scratch,
                                                           std::chrono::milliseconds idle) {
    started_ = true;
    if (expects_continue_) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        expects_continue_ = false;
        client_.expires_after(idle);
        auto [ec, n] = co_await asio::async_write(client_, asio::buffer(kContinue), kNoThrow);
        if (ec) {
            co_return Ended::kClientFailed;
        }
    }
    const bool chunked = parser_.chunked();
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    std::string size_line;
    auto& body = parser_.get().body();
    while (!parser_.is_done()) {
        body.data = scratch.data();
        body.size = scratch.size();
        client_.expires_after(idle);
        auto [read_ec, read] =
            co_await http::async_read_some(client_, client_buffer_, parser_, kNoThrow);
        if (read_ec && read_ec != http::error::need_buffer) {
            co_return Ended::kClientFailed;
        }
        const std::size_t got = scratch.size() - body.size;
        // size line | bytes | CRLF | last chunk
        std::array<asio::const_buffer, 4> out;
        std::size_t parts = 0;
        if (got > 0) {
            if (chunked) {
                size_line.clear();
                append_chunk_size(got, size_line);
                out[parts++] = asio::buffer(size_line);
            }
            out[parts++] = asio::buffer(scratch.data(), got);
            if (chunked) {
                out[parts++] = asio::buffer(kCrlf);
            }
        }
        if (chunked && parser_.is_done()) {
            out[parts++] = asio::buffer(kLastChunk);
        }
        if (parts == 0) {
            continue;  // only chunk framing arrived
        }
        upstream.expires_after(idle);
        auto [write_ec, written] = co_await asio::async_write(
            upstream, std::span<const asio::const_buffer>(out.data(), parts), kNoThrow);
        if (write_ec) {
            co_return Ended::kUpstreamFailed;
        }
    }
    co_return Ended::kComplete;
}

}  // namespace scagent::proxy
