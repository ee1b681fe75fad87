#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/net/http_types.hpp"

namespace scagent::net {

/// A server-side websocket over a connection HttpServer has handed over. Keeps Beast's websocket
/// templates inside one .cpp. At most one read and one write (text, ping or close) may be
/// outstanding at a time, all on get_executor(); errors come back as values.
class WebSocketConnection : public std::enable_shared_from_this<WebSocketConnection> {
  public:
    /// `idle_timeout`: the connection is dropped when nothing (not even a pong) arrives for that
    /// long while a read is pending.
    WebSocketConnection(beast::tcp_stream stream, std::chrono::milliseconds idle_timeout);
    ~WebSocketConnection();
    WebSocketConnection(const WebSocketConnection&) = delete;
    WebSocketConnection& operator=(const WebSocketConnection&) = delete;

    asio::awaitable<beast::error_code> accept(const HttpRequest& req);
    asio::awaitable<beast::error_code> write_text(std::string text);
    asio::awaitable<beast::error_code> ping();
    /// Reads one data message into `out`; pings, pongs and close frames are handled inside.
    asio::awaitable<beast::error_code> read(std::string& out);
    asio::awaitable<beast::error_code> close(std::uint16_t code, std::string reason);

    /// Closes the socket at once, failing pending operations. Call on get_executor().
    void cancel();
    asio::any_io_executor get_executor();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scagent::net
