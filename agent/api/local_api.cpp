#include "agent/api/local_api.hpp"

#include <nlohmann/json.hpp>

#include <functional>

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

/// What runs before every route of a listener on `listen`: who may ask, then whether the text
/// is UTF-8.
std::function<std::optional<net::Reply>(const net::RouteContext&)> request_guard(
    ApiAccess access, std::string listen) {
    access.listen = std::move(listen);
    return [access = std::move(access)](const net::RouteContext& ctx) -> std::optional<net::Reply> {
        auto error = refused_access(ctx, access);
        if (!error) {
            error = invalid_utf8(ctx);
        }
        if (!error) {
            return std::nullopt;
        }
        auto reply = net::Reply::json(error->status, error_body(*error));
        if (error->status == 401) {
            reply.set_header("WWW-Authenticate", "Bearer");
        }
        return reply;
    };
}

}  // namespace

LocalApi::LocalApi(boost::asio::io_context& ioc, std::string api_listen, std::string metrics_listen,
                   std::chrono::milliseconds grace, ApiAccess access)
    : ioc_(ioc),
      api_listen_(std::move(api_listen)),
      metrics_listen_(std::move(metrics_listen)),
      grace_(grace) {
    router_.set_fallback(json_fallback);
    metrics_router_.set_fallback(json_fallback);
    router_.set_guard(request_guard(access, api_listen_));
    metrics_router_.set_guard(request_guard(std::move(access), metrics_listen_));
    router_.set_plus_as_space(false);
    metrics_router_.set_plus_as_space(false);
}

LocalApi::~LocalApi() = default;

void LocalApi::start() {
    net::HttpServerOptions options;
    options.listen = api_listen_;
    options.max_connections = max_connections_;
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
