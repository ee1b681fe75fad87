#include "agent/proxy/upstream_pool.hpp"

#include <boost/asio/this_coro.hpp>

#include "agent/net/connect.hpp"

namespace scagent::proxy {

UpstreamPool::UpstreamPool(UpstreamPoolOptions options, plugins::Clock& clock,
                           OpenObserver observer)
    : options_(options), clock_(clock), observer_(std::move(observer)) {}

UpstreamPool::~UpstreamPool() {
    close_idle();
}

boost::asio::awaitable<net::TransportResult<UpstreamConnectionPtr>> UpstreamPool::acquire(
    std::string host, std::uint16_t port) {
    std::string key = host;
    key.append(":").append(std::to_string(port));
    auto& endpoint = endpoints_[key];
    const auto now = clock_.now();
    while (!endpoint.idle.empty()) {
        auto connection = std::move(endpoint.idle.front());
        endpoint.idle.pop_front();
        // Older ones first would be the wrong way round: the front is the freshest, so once it
        // is too old every other one is too.
        if (now - connection->idle_since < options_.idle_timeout &&
            connection->stream.socket().is_open()) {
            connection->reused = true;
            co_return connection;
        }
        discard(std::move(connection));
        for (auto& stale : endpoint.idle) {
            discard(std::move(stale));
        }
        endpoint.idle.clear();
    }
    if (endpoint.open >= options_.max_per_endpoint) {
        co_return net::make_transport_error(
            net::TransportErrorKind::network,
            "connect: " + std::to_string(endpoint.open) + " connections already open", key);
    }
    ++endpoint.open;
    ++open_total_;
    ++opened_;
    if (observer_) {
        observer_(+1);
    }
    net::Origin origin;
    origin.valid = true;
    origin.host = std::move(host);
    origin.port = port;
    auto stream = co_await net::connect_plain(
        origin, std::chrono::steady_clock::now() + options_.connect_timeout);
    // `endpoint` may have been rehashed away while connecting: look it up again.
    auto& after = endpoints_[key];
    if (!stream) {
        closed(after);
        co_return stream.error();
    }
    auto connection = std::make_unique<UpstreamConnection>(std::move(*stream));
    connection->endpoint = std::move(key);
    co_return connection;
}

void UpstreamPool::release(UpstreamConnectionPtr connection) {
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
    closed(endpoints_[connection->endpoint]);
}

void UpstreamPool::close_idle() {
    for (auto& [key, endpoint] : endpoints_) {
        while (!endpoint.idle.empty()) {
            auto connection = std::move(endpoint.idle.front());
            endpoint.idle.pop_front();
            boost::system::error_code ignored;
            connection->stream.socket().close(ignored);
            closed(endpoint);
        }
    }
}

void UpstreamPool::closed(Endpoint& endpoint) {
    if (endpoint.open > 0) {
        --endpoint.open;
        --open_total_;
        if (observer_) {
            observer_(-1);
        }
    }
}

}  // namespace scagent::proxy
