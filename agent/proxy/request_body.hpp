#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <span>
#include <string_view>

namespace scagent::proxy {

/// A request body too large to keep for a retry (above proxy.max_retry_body, or chunked with no
/// length given): read from the client while it is written to the upstream, once. Memory stays
/// at one relay buffer whatever the size; a slow upstream slows the client's upload and nobody
/// else's.
class StreamedBody {
  public:
    using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

    /// How pass_on() ended.
    enum class Ended {
        kComplete,      ///< the whole body reached the upstream
        kClientFailed,  ///< the client stopped sending (closed, reset, too slow)
        kUpstreamFailed,
    };

    StreamedBody(boost::beast::tcp_stream& client, boost::beast::flat_buffer& client_buffer,
                 Parser& parser, bool expects_continue)
        : client_(client),
          client_buffer_(client_buffer),
          parser_(parser),
          expects_continue_(expects_continue) {}

    /// Whether the upstream's head must say chunked (the client sent no length).
    bool chunked() const { return parser_.chunked(); }
    /// True once any of the body was read: from then on the call cannot be sent elsewhere.
    bool started() const { return started_; }
    /// True when the client's connection holds no unread body (it can carry another call).
    bool done() const { return parser_.is_done(); }

    /// Reads the body from the client and writes it to `upstream` (after the head the caller
    /// wrote), re-framing chunks when chunked(). A client that waits for "100 Continue" gets it
    /// first. `idle` bounds each read and write.
    boost::asio::awaitable<Ended> pass_on(boost::beast::tcp_stream& upstream,
                                          std::span<char> scratch, std::chrono::milliseconds idle);

  private:
    boost::beast::tcp_stream& client_;
    boost::beast::flat_buffer& client_buffer_;
    Parser& parser_;
    bool expects_continue_;
    bool started_ = false;
};

}  // namespace scagent::proxy
