#include "agent/net/connect.hpp"

#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include "agent/runtime/asio_tokens.hpp"

namespace scagent::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;
using runtime::kNoThrow;

TransportError make_error(TransportErrorKind kind, std::string message, const Origin& origin) {
    return make_transport_error(kind, std::move(message), origin.key());
}

// True once the awaiting coroutine's cancellation slot has fired. Checked before each step
// (`is_cancelled(co_await asio::this_coro::cancellation_state)`, which never throws): a signal
// that arrives between two operations would otherwise surface as an exception at the next
// co_await instead of as a `cancelled` result.
bool is_cancelled(const asio::cancellation_state& state) {
    return state.cancelled() != asio::cancellation_type::none;
}

TransportError cancelled_error(std::string_view phase, const Origin& origin) {
    return make_error(TransportErrorKind::cancelled, std::string(phase) + ": cancelled", origin);
}

// The stream types have catch-all constructors, so a result cannot tell an error from a value
// by conversion: say which.
template <class T>
TransportResult<T> failed(TransportError error) {
    return TransportResult<T>(boost::system::in_place_error, std::move(error));
}

// A lookup in flight. The resolver has neither a deadline nor per-operation cancellation, and
// getaddrinfo cannot be interrupted, so the coroutine does not await the lookup itself: it
// awaits `wake`, which the lookup's handler cancels when it completes, and which the deadline
// or the coroutine's cancellation slot end otherwise. Shared with that handler, so a lookup
// that completes after the coroutine gave up touches only this.
struct PendingLookup {
    PendingLookup(const asio::any_io_executor& executor, Deadline deadline)
        : resolver(executor), wake(executor, deadline) {}

    tcp::resolver resolver;
    asio::steady_timer wake;
    bool done = false;
    error_code error{};
    tcp::resolver::results_type results{};
};

asio::awaitable<TransportResult<tcp::resolver::results_type>> resolve(const Origin& origin,
                                                                      Deadline deadline) {
    auto executor = co_await asio::this_coro::executor;
    auto pending = std::make_shared<PendingLookup>(executor, deadline);
    // The handler runs on `executor` (the resolver's), the coroutine's own strand.
    pending->resolver.async_resolve(origin.host, std::to_string(origin.port),
                                    [pending](error_code ec, tcp::resolver::results_type results) {
                                        pending->done = true;
                                        pending->error = ec;
                                        pending->results = std::move(results);
                                        pending->wake.cancel();
                                    });
    auto [wait_error] = co_await pending->wake.async_wait(kNoThrow);
    if (pending->done) {
        if (pending->error) {
            co_return classify(pending->error, "resolve", origin.key());
        }
        co_return std::move(pending->results);
    }
    pending->resolver.cancel();
    if (wait_error == asio::error::operation_aborted) {
        co_return cancelled_error("resolve", origin);
    }
    co_return make_error(TransportErrorKind::timeout, "resolve: deadline passed", origin);
}

}  // namespace

asio::awaitable<TransportResult<beast::tcp_stream>> connect_plain(Origin origin,
                                                                  Deadline deadline) {
    if (!origin.valid) {
        co_return failed<beast::tcp_stream>(
            make_error(TransportErrorKind::network, "invalid origin", origin));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
        co_return failed<beast::tcp_stream>(
            make_error(TransportErrorKind::timeout, "connect: deadline passed", origin));
    }
    if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
        co_return failed<beast::tcp_stream>(cancelled_error("connect", origin));
    }
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    error_code not_ip;
    const auto address = asio::ip::make_address(origin.host, not_ip);
    error_code ec;
    if (!not_ip) {
        stream.expires_at(deadline);
        std::tie(ec) = co_await stream.async_connect(tcp::endpoint(address, origin.port), kNoThrow);
    } else {
        auto endpoints = co_await resolve(origin, deadline);
        if (!endpoints) {
            co_return failed<beast::tcp_stream>(endpoints.error());
        }
        if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
            co_return failed<beast::tcp_stream>(cancelled_error("connect", origin));
        }
        stream.expires_at(deadline);
        std::tie(ec, std::ignore) = co_await stream.async_connect(*endpoints, kNoThrow);
    }
    if (ec) {
        co_return failed<beast::tcp_stream>(classify(ec, "connect", origin.key()));
    }
    stream.expires_never();
    // Requests are small and latency-bound: never let Nagle hold a body behind its headers.
    stream.socket().set_option(tcp::no_delay(true), ec);
    co_return std::move(stream);
}

asio::awaitable<TransportResult<TlsStream>> connect_tls(Origin origin, asio::ssl::context& context,
                                                        bool verify_host, Deadline deadline) {
    if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
        co_return failed<TlsStream>(cancelled_error("connect", origin));
    }
    auto connected = co_await connect_plain(origin, deadline);
    if (!connected) {
        co_return failed<TlsStream>(connected.error());
    }
    TlsStream stream(std::move(*connected), context);
    error_code not_ip;
    asio::ip::make_address(origin.host, not_ip);
    if (not_ip) {
        // SNI carries host names only (RFC 6066), never IP literals.
        SSL_set_tlsext_host_name(stream.native_handle(), origin.host.c_str());
    }
    if (verify_host) {
        stream.set_verify_callback(asio::ssl::host_name_verification(origin.host));
    }
    if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
        co_return failed<TlsStream>(cancelled_error("tls handshake", origin));
    }
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
    if (ec) {
        co_return failed<TlsStream>(classify(ec, "tls handshake", origin.key()));
    }
    beast::get_lowest_layer(stream).expires_never();
    co_return std::move(stream);
}

}  // namespace scagent::net
