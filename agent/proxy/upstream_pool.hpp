#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <prometheus/gauge.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/net/transport_error.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::proxy {

struct UpstreamPoolOptions {
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds idle_timeout{30'000};
    std::size_t max_per_endpoint = 256;
};

/// One keep-alive connection to a provider instance's endpoint.
struct UpstreamConnection {
    explicit UpstreamConnection(boost::beast::tcp_stream s) : stream(std::move(s)) {}

    boost::beast::tcp_stream stream;
    /// Bytes read past the last response (a well-behaved server sends none).
    boost::beast::flat_buffer buffer;
    std::string endpoint;  ///< "host:port", the pool key
    /// It served a call before: a failure before any response byte may be the server having
    /// closed it while idle (the "503 UC" race), not a dead instance.
    bool reused = false;
    std::chrono::steady_clock::time_point idle_since{};
    /// The open-connections gauge of the service it serves (sc_agent_proxy_upstream_connections);
    /// may be null.
    prometheus::Gauge* gauge = nullptr;
    /// Counted in its pool's open connections: the pool it came from, until discarded.
    class UpstreamPool* pool = nullptr;

    UpstreamConnection(const UpstreamConnection&) = delete;
    UpstreamConnection& operator=(const UpstreamConnection&) = delete;
    /// A connection dropped without discard() (a cancelled call) still leaves the counts right.
    ~UpstreamConnection();
};

using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection>;

/// What acquire() got: a connection, or why not.
struct Acquired {
    UpstreamConnectionPtr connection;
    /// The endpoint already has max_per_endpoint connections open: nothing was tried, and it
    /// says nothing about the instance's health.
    bool at_capacity = false;
    std::optional<net::TransportError> error;
};

/// The upstream connections of one proxy event loop, per endpoint: idle ones kept for reuse
/// (most recently used first, so the others age out), at most `max_per_endpoint` open.
///
/// Single-threaded by design: each event loop has its own pool, so the request path takes no
/// lock. Only endpoints of discovered instances are passed in (the forwarder's job).
class UpstreamPool {
  public:
    UpstreamPool(UpstreamPoolOptions options, plugins::Clock& clock);
    ~UpstreamPool();
    UpstreamPool(const UpstreamPool&) = delete;
    UpstreamPool& operator=(const UpstreamPool&) = delete;

    /// A reusable idle connection to host:port, else a new one (connect_timeout) counted in
    /// `gauge` while open. `fresh`: a kept connection just failed as if the server had closed
    /// it, so the endpoint's other idle ones are dropped and a new one is opened.
    boost::asio::awaitable<Acquired> acquire(std::string host, std::uint16_t port,
                                             prometheus::Gauge* gauge, bool fresh = false);
    /// acquire() without waiting: a kept connection to host:port that can carry a call now,
    /// or null when there is none (then acquire() opens one).
    UpstreamConnectionPtr take_idle(std::string_view host, std::uint16_t port, bool fresh);
    /// Keeps a connection whose last exchange ended cleanly with keep-alive (one with unread
    /// bytes is discarded instead).
    void release(UpstreamConnectionPtr connection);
    /// Closes a connection that cannot be reused.
    void discard(UpstreamConnectionPtr connection);
    /// Closes every idle connection (stop).
    void close_idle();
    /// Closes the connections idle for idle_timeout or longer and forgets endpoints with none
    /// open, so that instances that went away leave neither sockets nor entries behind.
    /// Returns how many connections it closed.
    std::size_t close_expired();

  private:
    friend struct UpstreamConnection;
    struct Endpoint {
        std::deque<UpstreamConnectionPtr> idle;  // front: most recently used
        std::size_t open = 0;
    };

    void closed(Endpoint& endpoint, UpstreamConnection* connection);

    UpstreamPoolOptions options_;
    plugins::Clock& clock_;
    std::unordered_map<std::string, Endpoint> endpoints_;
    std::string key_;  ///< take_idle()'s "host:port", its capacity kept between calls
};

}  // namespace scagent::proxy
