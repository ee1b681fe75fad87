#include "agent/net/websocket_connection.hpp"
#include "agent/runtime/asio_tokens.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

namespace scagent::net {

namespace websocket = beast::websocket;

namespace {
using runtime::kNoThrow;
}  // namespace

struct WebSocketConnection::Impl {
    explicit Impl(beast::tcp_stream s) : ws(std::move(s)) {}
    websocket::stream<beast::tcp_stream> ws;
};

WebSocketConnection::WebSocketConnection(beast::tcp_stream stream,
                                         std::chrono::milliseconds idle_timeout)
    : impl_(std::make_unique<Impl>(std::move(stream))) {
    // The websocket layer runs its own timers; the HTTP-phase deadline must not fire any more.
    beast::get_lowest_layer(impl_->ws).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = idle_timeout;
    // Beast (1.81) only counts what arrives when keep-alive pings are on: without them the idle
    // timer is never re-armed by traffic and closes the connection `idle_timeout` after it
    // opened, however busy it is; that dropped every dev-registry watch after 2 minutes. With
    // them, a peer silent for half the timeout is pinged, and the connection closes only when
    // nothing (not even the pong) arrives for the other half.
    timeout.keep_alive_pings = true;
    impl_->ws.set_option(timeout);
    impl_->ws.read_message_max(1024 * 1024);
}

WebSocketConnection::~WebSocketConnection() = default;

asio::awaitable<beast::error_code> WebSocketConnection::accept(const HttpRequest& req) {
    auto [ec] = co_await impl_->ws.async_accept(req, kNoThrow);
    co_return ec;
}

asio::awaitable<beast::error_code> WebSocketConnection::write_text(std::string text) {
    impl_->ws.text(true);
    auto [ec, n] = co_await impl_->ws.async_write(asio::buffer(text), kNoThrow);
    co_return ec;
}

asio::awaitable<beast::error_code> WebSocketConnection::ping() {
    auto [ec] = co_await impl_->ws.async_ping({}, kNoThrow);
    co_return ec;
}

asio::awaitable<beast::error_code> WebSocketConnection::read(std::string& out) {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await impl_->ws.async_read(buffer, kNoThrow);
    if (!ec) {
        out = beast::buffers_to_string(buffer.data());
    }
    co_return ec;
}

asio::awaitable<beast::error_code> WebSocketConnection::close(std::uint16_t code,
                                                              std::string reason) {
    websocket::close_reason cr(static_cast<websocket::close_code>(code), reason);
    auto [ec] = co_await impl_->ws.async_close(cr, kNoThrow);
    co_return ec;
}

void WebSocketConnection::cancel() {
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

asio::any_io_executor WebSocketConnection::get_executor() {
    return impl_->ws.get_executor();
}

bool is_websocket_upgrade(const HttpRequest& req) {
    return websocket::is_upgrade(req);
}

}  // namespace scagent::net
