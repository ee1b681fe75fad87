#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/dev_registry/registry_store.hpp"
#include "agent/dev_registry/watch_hub.hpp"
#include "agent/net/http_router.hpp"

namespace scagent::dev_registry {

/// The service-center v4 routes of spec §1.4.14 over a RegistryStore and a WatchHub.
class ScApi {
  public:
    ScApi(RegistryStore& store, WatchHub& hub, std::chrono::milliseconds watch_ping_interval,
          std::string version);

    /// Adds every /v4/{project}/registry route to `router`.
    void install(net::HttpRouter& router);

  private:
    net::HttpReply create_service(net::RouteContext& c);
    net::HttpReply existence(net::RouteContext& c);
    net::HttpReply delete_service(net::RouteContext& c);
    net::HttpReply put_service_properties(net::RouteContext& c);
    net::HttpReply register_instance(net::RouteContext& c);
    net::HttpReply find(net::RouteContext& c);
    net::HttpReply get_instances(net::RouteContext& c, bool one);
    net::HttpReply batch_find(net::RouteContext& c);
    net::HttpReply set_status(net::RouteContext& c);
    net::HttpReply put_instance_properties(net::RouteContext& c);
    net::HttpReply watch(net::RouteContext& c);
    asio::awaitable<void> run_watch(std::shared_ptr<net::WebSocketConnection> ws, std::string key,
                                    bool exists);

    RegistryStore& store_;
    WatchHub& hub_;
    const std::chrono::milliseconds ping_interval_;
    const std::string version_;
};

/// "domain/project": X-Domain-Name (default "default") and the {project} path parameter.
std::string tenant_of(const net::RouteContext& c);
net::HttpResponse sc_json(const net::HttpRequest& req, const OrderedJson& body);
/// A bodyless 200: empty body, text/plain (spec §1.1).
net::HttpResponse sc_empty(const net::HttpRequest& req);

}  // namespace scagent::dev_registry
