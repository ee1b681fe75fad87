#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "agent/net/deadline.hpp"
#include "agent/net/origin.hpp"
#include "agent/net/transport_error.hpp"

namespace scagent::net {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// The one way the agent opens an outbound connection: DNS (skipped for an IP literal), TCP
/// connect to the first endpoint that answers, TCP_NODELAY, and for connect_tls a client TLS
/// handshake with SNI (host names only, RFC 6066) and, when `verify_host`, host name (or IP)
/// verification on top of the context's chain verification.
///
/// - Every step runs under the one `deadline`; passing it gives `timeout` (also when it has
///   already passed on entry). The returned stream has no expiry set: the caller sets its own.
/// - Cancellation-safe: when the awaiting coroutine's cancellation slot fires, the pending step
///   ends at once and the result is `cancelled`. A DNS lookup already inside getaddrinfo is
///   abandoned (its late completion touches only state it owns).
/// - Errors name the step ("resolve: ...", "connect: ...", "tls handshake: ...") and the
///   origin key.
///
/// `origin` is taken by value: the coroutine may outlive a temporary its caller passed.
///
/// The stream lives on the awaiting coroutine's executor. Build an HTTP client on it directly,
/// or a websocket with `websocket::stream<S> ws(std::move(*stream))`.
boost::asio::awaitable<TransportResult<boost::beast::tcp_stream>> connect_plain(Origin origin,
                                                                                Deadline deadline);

boost::asio::awaitable<TransportResult<TlsStream>> connect_tls(Origin origin,
                                                               boost::asio::ssl::context& context,
                                                               bool verify_host, Deadline deadline);

}  // namespace scagent::net
