#include "agent/proxy/upstream_pool.hpp"

#include <sys/socket.h>

#include <boost/asio/this_coro.hpp>

#include <cerrno>

#include "agent/net/connect.hpp"
#include "agent/proxy/write_now.hpp"

namespace scagent::proxy {
namespace {

/// True when an idle connection can carry another call: the server has neither closed it nor
/// sent anything unasked. One non-blocking peek; it catches most of the "server closed the
/// idle connection" races before a request is written into them.
bool still_idle(boost::asio::ip::tcp::socket& socket) {
    if (!socket.is_open()) {
        return false;
    }
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/// Servers' keep-alive timeouts are seconds long (nginx 75 s, Go 0 = none, Tomcat 20 s, Node
/// 5 s); a connection back in the pool for less than this is taken as still open.
constexpr auto kPeekAfter = std::chrono::seconds(1);

}  // namespace

UpstreamConnection::~UpstreamConnection() {
    if (pool != nullptr) {
        pool->closed(pool->endpoints_[endpoint], this);
    }
}

UpstreamPool::UpstreamPool(UpstreamPoolOptions options, plugins::Clock& clock)
    : options_(options), clock_(clock) {}

UpstreamPool::~UpstreamPool() {
    close_idle();
}

UpstreamConnectionPtr UpstreamPool::take_idle(std::string_view host, std::uint16_t port,
                                              bool fresh) {
    key_.assign(host).append(":").append(std::to_string(port));
    auto found = endpoints_.find(key_);
    if (found == endpoints_.end()) {
        return nullptr;
    }
    auto& endpoint = found->second;
    const auto now = clock_.now();
    if (fresh) {
        while (!endpoint.idle.empty()) {
            auto stale = std::move(endpoint.idle.front());
            endpoint.idle.pop_front();
            discard(std::move(stale));
        }
    }
    while (!endpoint.idle.empty()) {
        auto connection = std::move(endpoint.idle.front());
        endpoint.idle.pop_front();
        // The peek costs a system call per call, so only connections idle long enough for a
        // server's keep-alive timeout to have passed are peeked; the stale-connection retry
        // covers the rest.
        const bool checked =
            now - connection->idle_since < kPeekAfter || still_idle(connection->stream.socket());
        if (now - connection->idle_since < options_.idle_timeout && checked) {
            connection->reused = true;
            return connection;
        }
        const bool expired = now - connection->idle_since >= options_.idle_timeout;
        discard(std::move(connection));
        if (expired) {
            // The front is the freshest: once it is too old, every other one is too.
            for (auto& stale : endpoint.idle) {
                discard(std::move(stale));
            }
            endpoint.idle.clear();
        }
    }
    return nullptr;
}

boost::asio::awaitable<Acquired> UpstreamPool::acquire(std::string host, std::uint16_t port,
                                                       prometheus::Gauge* gauge, bool fresh) {
    if (auto idle = take_idle(host, port, fresh)) {
        co_return Acquired{std::move(idle), false, std::nullopt};
    }
    std::string key = host;
    key.append(":").append(std::to_string(port));
    auto& endpoint = endpoints_[key];
    if (endpoint.open >= options_.max_per_endpoint) {
        co_return Acquired{nullptr, true, std::nullopt};
    }
    ++endpoint.open;
    net::Origin origin;
    origin.valid = true;
    origin.host = std::move(host);
    origin.port = port;
    auto stream = co_await net::connect_plain(
        origin, std::chrono::steady_clock::now() + options_.connect_timeout);
    // `endpoint` may have been rehashed away while connecting: look it up again.
    auto& after = endpoints_[key];
    if (!stream) {
        closed(after, nullptr);
        co_return Acquired{nullptr, false, stream.error()};
    }
    auto connection = std::make_unique<UpstreamConnection>(std::move(*stream));
    prepare_for_write_now(connection->stream.socket());
    connection->endpoint = std::move(key);
    connection->gauge = gauge;
    connection->pool = this;
    if (gauge != nullptr) {
        gauge->Increment();
    }
    co_return Acquired{std::move(connection), false, std::nullopt};
}

void UpstreamPool::release(UpstreamConnectionPtr connection) {
    if (connection->buffer.size() != 0) {
        discard(std::move(connection));  // bytes nobody asked for: the next call must not read them
        return;
    }
    connection->idle_since = clock_.now();
    connection->stream.expires_never();
    auto& endpoint = endpoints_[connection->endpoint];
    endpoint.idle.push_front(std::move(connection));
}

void UpstreamPool::discard(UpstreamConnectionPtr connection) {
    if (!connection) {
        return;
    }
    boost::system::error_code ignored;
    connection->stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    connection->stream.socket().close(ignored);
    closed(endpoints_[connection->endpoint], connection.get());
}

void UpstreamPool::close_idle() {
    for (auto& [key, endpoint] : endpoints_) {
        while (!endpoint.idle.empty()) {
            auto connection = std::move(endpoint.idle.front());
            endpoint.idle.pop_front();
            boost::system::error_code ignored;
            connection->stream.socket().close(ignored);
            closed(endpoint, connection.get());
        }
    }
}

std::size_t UpstreamPool::close_expired() {
    const auto now = clock_.now();
    std::size_t count = 0;
    for (auto it = endpoints_.begin(); it != endpoints_.end();) {
        auto& endpoint = it->second;
        // The back is the least recently used.
        while (!endpoint.idle.empty() &&
               now - endpoint.idle.back()->idle_since >= options_.idle_timeout) {
            auto connection = std::move(endpoint.idle.back());
            endpoint.idle.pop_back();
            boost::system::error_code ignored;
            connection->stream.socket().close(ignored);
            closed(endpoint, connection.get());
            ++count;
        }
        if (endpoint.open == 0 && endpoint.idle.empty()) {
            it = endpoints_.erase(it);
        } else {
            ++it;
        }
    }
    return count;
}

void UpstreamPool::closed(Endpoint& endpoint, UpstreamConnection* connection) {
    if (endpoint.open > 0) {
        --endpoint.open;
    }
    if (connection != nullptr) {
        if (connection->gauge != nullptr) {
            connection->gauge->Decrement();
            connection->gauge = nullptr;
        }
        connection->pool = nullptr;  // counted out once
    }
}

}  // namespace scagent::proxy
