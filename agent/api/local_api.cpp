#include "agent/api/local_api.hpp"

#include <nlohmann/json.hpp>

#include "agent/api/discovery_responses.hpp"
#include "agent/api/request_text.hpp"

namespace scagent::api {
namespace {

/// Unknown routes answer in the API's JSON error shape, not the router's plain text.
net::Reply json_fallback(const net::RouteContext& ctx, net::Status status) {
    const bool not_found = status == net::status::not_found;
    const ApiError error{status, not_found ? "NOT_FOUND" : "BAD_REQUEST",
                         not_found ? "no route " + std::string(ctx.target())
                                   : std::string(net::reason_phrase(status))};
    return net::Reply::json(status, error_body(error));
}

/// Runs before every route of both listeners.
std::optional<net::Reply> check_request(const net::RouteContext& ctx) {
    if (auto error = invalid_utf8(ctx)) {
        return net::Reply::json(error->status, error_body(*error));
    }
    return std::nullopt;
}

}  // namespace

LocalApi::LocalApi(boost::asio::io_context& ioc, std::string api_listen, std::string metrics_listen,
                   std::chrono::milliseconds grace)
    : ioc_(ioc),
      api_listen_(std::move(api_listen)),
      metrics_listen_(std::move(metrics_listen)),
      grace_(grace) {
    router_.set_fallback(json_fallback);
    metrics_router_.set_fallback(json_fallback);
    router_.set_guard(check_request);
    metrics_router_.set_guard(check_request);
    router_.set_plus_as_space(false);
    metrics_router_.set_plus_as_space(false);
}

LocalApi::~LocalApi() = default;

void LocalApi::start() {
    net::HttpServerOptions options;
    options.listen = api_listen_;
    server_ = std::make_unique<net::HttpServer>(ioc_, options, router_);
    server_->start();
    if (!metrics_listen_.empty()) {
        options.listen = metrics_listen_;
        metrics_server_ = std::make_unique<net::HttpServer>(ioc_, options, metrics_router_);
        metrics_server_->start();
    }
}

boost::asio::awaitable<void> LocalApi::stop() {
    // Both listeners close at once; then each one's connections are awaited.
    for (auto* server : {server_.get(), metrics_server_.get()}) {
        if (server) {
            server->close(grace_);
        }
    }
    for (auto* server : {server_.get(), metrics_server_.get()}) {
        if (server) {
            co_await server->closed();
        }
    }
}

void LocalApi::hurry() {
    if (server_) {
        server_->hurry();
    }
    if (metrics_server_) {
        metrics_server_->hurry();
    }
}

std::uint16_t LocalApi::port() const {
    return server_ ? server_->port() : 0;
}

std::uint16_t LocalApi::metrics_port() const {
    return metrics_server_ ? metrics_server_->port() : 0;
}

}  // namespace scagent::api
