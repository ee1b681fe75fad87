#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/api/request_access.hpp"
#include "agent/net/http_router.hpp"
#include "agent/net/http_server.hpp"
#include "agent/runtime/component.hpp"

namespace scagent::api {

/// The local API server on `listen.api` and, when `listen.metrics` is set, the metrics-only
/// listener. Route groups (admin, discovery, ...) are added to router() before start().
///
/// The "local API" component: construct, add routes, start() (throws std::system_error when it
/// cannot bind), stop() once: requests in flight get `grace` (drain.timeout) to finish.
class LocalApi final : public runtime::Component {
  public:
    /// Every request of both listeners passes refused_access() (with `access.listen` set to
    /// `api_listen`) and the UTF-8 check before its route.
    LocalApi(boost::asio::io_context& ioc, std::string api_listen, std::string metrics_listen,
             std::chrono::milliseconds grace = std::chrono::seconds(5), ApiAccess access = {});
    ~LocalApi() override;

    net::HttpRouter& router() noexcept { return router_; }
    /// limits.max_connections for each listener; before start().
    void limit_connections(std::size_t max) noexcept { max_connections_ = max; }
    /// Routes of the metrics listener (only /metrics); unused when there is none.
    net::HttpRouter& metrics_router() noexcept { return metrics_router_; }

    std::string_view name() const noexcept override { return "local API"; }
    void start() override;
    /// Stops accepting on both listeners; requests in flight get the grace to finish, then are
    /// cancelled. Returns when every connection has ended.
    boost::asio::awaitable<void> stop() override;
    /// During stop(): ends the grace now (a second SIGTERM).
    void hurry();

    std::uint16_t port() const;
    std::uint16_t metrics_port() const;  ///< 0 when there is no metrics listener

  private:
    boost::asio::io_context& ioc_;
    std::string api_listen_;
    std::string metrics_listen_;
    std::size_t max_connections_ = 4096;
    std::chrono::milliseconds grace_;
    net::HttpRouter router_;
    net::HttpRouter metrics_router_;
    std::unique_ptr<net::HttpServer> server_;
    std::unique_ptr<net::HttpServer> metrics_server_;
};

}  // namespace scagent::api
