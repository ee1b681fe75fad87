#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "agent/net/http_types.hpp"

namespace scagent::net {

struct HttpServerOptions {
    std::string listen = "127.0.0.1:0";                  ///< "host:port"; port 0 picks a free port
    std::size_t max_body_bytes = 1024 * 1024;            ///< larger bodies get 413 and a close
    std::size_t max_header_bytes = 16 * 1024;            ///< larger headers get 431 and a close
    std::chrono::milliseconds read_timeout{30'000};      ///< one request, and keep-alive idle time
    std::chrono::milliseconds write_timeout{30'000};     ///< one response
    std::chrono::milliseconds ws_idle_timeout{120'000};  ///< upgraded: nothing heard from peer
    /// Open connections at most (limits.max_connections); beyond it new ones wait in the
    /// listen backlog until one closes.
    std::size_t max_connections = 4096;
};

/// HTTP/1.1 server on an io_context: one coroutine per connection on its own strand,
/// keep-alive, every read and write under a deadline, websocket upgrade, graceful stop.
///
/// The accept loop and every connection are tasks of the server's TaskGroup.
///
/// Thread-safety: start() before running the io_context; stop() and the getters from any thread.
/// Destroying a server that was not stopped closes it without waiting (a safety net only).
class HttpServer {
  public:
    HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpHandler handler);
    /// Serves `router`, which must outlive the server.
    HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpRouter& router);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and starts accepting. Throws std::system_error naming the address on failure.
    void start();

    /// Stops accepting, closes idle and upgraded connections at once, lets requests in flight
    /// finish within `grace`, then closes and cancels whatever is left. Returns when every
    /// connection coroutine has ended.
    asio::awaitable<void> stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
    /// stop() in two halves, so that several servers close at once: close() returns at once,
    /// closed() completes when every connection has ended.
    void close(std::chrono::milliseconds grace);
    asio::awaitable<void> closed();

    /// During stop(): ends the grace now (a second SIGTERM).
    void hurry();

    asio::ip::tcp::endpoint local_endpoint() const;
    std::uint16_t port() const { return local_endpoint().port(); }
    std::size_t connection_count() const;

  private:
    struct State;
    std::shared_ptr<State> state_;
};

/// Parses "host:port", "[v6]:port" or ":port" (127.0.0.1: only an explicit address such as
/// 0.0.0.0 binds beyond loopback); throws std::invalid_argument on bad input.
asio::ip::tcp::endpoint resolve_listen_address(asio::io_context& ioc, const std::string& listen);

}  // namespace scagent::net
