#include "agent/dev_registry/dev_registry.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>

#include "agent/dev_registry/kie_api.hpp"
#include "agent/dev_registry/kie_store.hpp"
#include "agent/dev_registry/rbac.hpp"
#include "agent/dev_registry/sc_api.hpp"
#include "agent/dev_registry/watch_hub.hpp"
#include "agent/net/http_server.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::dev_registry {

namespace {

/// The RBAC whitelist of spec §1.4.12 (plus kie's health probe).
bool is_whitelisted(const std::string& path) {
    if (path == "/v4/token" || path == "/version" || path == "/health" || path == "/v1/health") {
        return true;
    }
    const auto segments = net::split_path(path);
    return segments.size() == 4 && segments[0] == "v4" && segments[2] == "registry" &&
           (segments[3] == "version" || segments[3] == "health");
}

std::string address_of(const net::HttpServer& server) {
    const auto ep = server.local_endpoint();
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

struct DevRegistry::Impl {
    Impl(asio::io_context& io, DevRegistryConfig cfg, plugins::Clock& clk)
        : ioc(io),
          config(std::move(cfg)),
          clock(clk),
          store(clk, config.store,
                [this](const std::string& key, const std::string& frame) {
                    hub.publish(key, frame);
                }),
          sc_api(store, hub, config.watch_ping_interval, config.store.self_version),
          kie_api(kie_store, config.kie_max_wait) {
        if (!config.auth.empty()) {
            const auto colon = config.auth.find(':');
            if (colon == std::string::npos || colon == 0) {
                throw std::invalid_argument("--auth must be user:password");
            }
            tokens.emplace(clk, config.auth.substr(0, colon), config.auth.substr(colon + 1),
                           config.token_min_expiration);
        }
    }

    /// Auth before the routes (unless whitelisted); an escaped exception becomes the spec's 500
    /// body, not a crash.
    void guard(net::HttpRouter& router, bool kie) {
        router.set_guard([this, kie](const net::RouteContext& c) -> std::optional<net::Reply> {
            if (!tokens || is_whitelisted(std::string(c.path()))) {
                return std::nullopt;
            }
            auto checked = tokens->check(c.header("Authorization"));
            if (auto* e = std::get_if<ApiError>(&checked)) {
                return kie ? kie_error(*e) : sc_error(*e);
            }
            return std::nullopt;
        });
        router.set_error_reply([kie](const net::RouteContext& c, const std::exception& e) {
            spdlog::error("dev registry: {} {} failed: {}", c.method_name(), c.target(), e.what());
            const ApiError error{kie ? kKieInternal : kInternal, e.what()};
            return kie ? kie_error(error) : sc_error(error);
        });
    }

    void install_token_route() {
        sc_router.add(net::Method::post, "/v4/token",
                      net::sync_route([this](net::RouteContext& c) -> net::Reply {
                          if (!tokens) {
                              return net::Reply::text(net::status::not_found,
                                                      "rbac is not enabled\n");
                          }
                          auto body = parse_body(c.body());
                          if (auto* e = std::get_if<ApiError>(&body)) {
                              return sc_error(*e);
                          }
                          auto r = tokens->issue(std::get<Json>(body));
                          if (auto* e = std::get_if<ApiError>(&r)) {
                              return sc_error(*e);
                          }
                          return sc_json(std::get<OrderedJson>(r));
                      }));
    }

    /// Expires leases once per sweep_interval until stop() cancels the task. A coroutine in
    /// the task group, not a self re-arming timer callback: a cancel that lands while an expiry
    /// is already queued would miss such a callback, which then re-arms and keeps the
    /// io_context running for ever (a hung stop, seen in CI).
    asio::awaitable<void> sweep_loop() {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (;;) {
            timer.expires_after(config.sweep_interval);
            if (auto [ec] = co_await timer.async_wait(runtime::kNoThrow); ec) {
                co_return;
            }
            try {
                store.sweep();
            } catch (const std::exception& e) {
                // Leases must keep expiring: log this sweep's failure and try the next one.
                spdlog::error("dev registry: lease sweep failed: {}", e.what());
            }
        }
    }

    asio::io_context& ioc;
    const DevRegistryConfig config;
    plugins::Clock& clock;
    WatchHub hub;
    RegistryStore store;
    KieStore kie_store;
    std::optional<TokenAuthority> tokens;
    ScApi sc_api;
    KieApi kie_api;
    net::HttpRouter sc_router;
    net::HttpRouter kie_router;
    std::unique_ptr<net::HttpServer> sc_server;
    std::unique_ptr<net::HttpServer> kie_server;
    runtime::TaskGroup tasks;  // the sweep loop
};

DevRegistry::DevRegistry(asio::io_context& ioc, DevRegistryConfig config, plugins::Clock& clock)
    : impl_(std::make_unique<Impl>(ioc, std::move(config), clock)) {}

DevRegistry::~DevRegistry() = default;

void DevRegistry::start() {
    auto& i = *impl_;
    const auto unmatched = [](bool kie) {
        return [kie](const net::RouteContext& c, net::Status status) {
            const ApiError e{
                kie ? kKieNotFound : kInvalidParams,
                "no route for " + std::string(c.method_name()) + " " + std::string(c.target())};
            // An unknown path is a plain 404/405 in both servers (go-restful does the same).
            auto reply = kie ? kie_error(e) : sc_error(e);
            reply.status = status;
            return reply;
        };
    };
    i.sc_api.install(i.sc_router);
    i.install_token_route();
    i.sc_router.set_fallback(unmatched(false));
    i.guard(i.sc_router, false);
    i.kie_api.install(i.kie_router);
    i.kie_router.set_fallback(unmatched(true));
    i.guard(i.kie_router, true);

    net::HttpServerOptions sc_options;
    sc_options.listen = i.config.listen;
    sc_options.ws_idle_timeout = i.config.watch_idle_timeout.count() > 0
                                     ? i.config.watch_idle_timeout
                                     : 4 * i.config.watch_ping_interval;  // SC's read deadline
    i.sc_server = std::make_unique<net::HttpServer>(i.ioc, sc_options, i.sc_router);
    i.sc_server->start();
    i.store.register_self(address_of(*i.sc_server));
    if (!i.config.kie_listen.empty()) {
        net::HttpServerOptions kie_options;
        kie_options.listen = i.config.kie_listen;
        // A long poll may legitimately keep a response pending for the whole wait.
        kie_options.write_timeout = i.config.kie_max_wait + std::chrono::seconds(30);
        i.kie_server = std::make_unique<net::HttpServer>(i.ioc, kie_options, i.kie_router);
        i.kie_server->start();
    }
    if (i.config.sweep_interval.count() > 0) {
        // On a strand: `sc-agent dev` runs this io_context on several threads, and the task's
        // cancel signal must not race its own steps (TaskGroup invariant 4).
        i.tasks.spawn(asio::make_strand(i.ioc), i.sweep_loop(), "dev registry lease sweep");
    }
}

void DevRegistry::stop() {
    auto& i = *impl_;
    i.kie_store.close();  // held long polls answer now, not at the end of their wait
    if (i.sc_server) {
        i.sc_server->close(i.config.stop_grace);
    }
    if (i.kie_server) {
        i.kie_server->close(i.config.stop_grace);
    }
    i.tasks.cancel();
}

std::uint16_t DevRegistry::sc_port() const {
    return impl_->sc_server ? impl_->sc_server->port() : 0;
}

std::uint16_t DevRegistry::kie_port() const {
    return impl_->kie_server ? impl_->kie_server->port() : 0;
}

std::string DevRegistry::sc_address() const {
    return impl_->sc_server ? address_of(*impl_->sc_server) : std::string();
}

std::string DevRegistry::kie_address() const {
    return impl_->kie_server ? address_of(*impl_->kie_server) : std::string();
}

std::size_t DevRegistry::sweep_now() {
    return impl_->store.sweep();
}

std::map<std::string, net::RouteCounts> DevRegistry::sc_route_counts() const {
    return impl_->sc_router.counts();
}

std::map<std::string, net::RouteCounts> DevRegistry::kie_route_counts() const {
    return impl_->kie_router.counts();
}

std::size_t DevRegistry::watcher_count() const {
    return impl_->hub.subscriber_count();
}

RegistryStore& DevRegistry::store() {
    return impl_->store;
}
KieStore& DevRegistry::kie() {
    return impl_->kie_store;
}

}  // namespace scagent::dev_registry
