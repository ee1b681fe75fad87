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
    net::Reply create_service(net::RouteContext& c);
    net::Reply existence(net::RouteContext& c);
    net::Reply delete_service(net::RouteContext& c);
    net::Reply put_service_properties(net::RouteContext& c);
    net::Reply register_instance(net::RouteContext& c);
    net::Reply find(net::RouteContext& c);
    net::Reply get_instances(net::RouteContext& c, bool one);
    net::Reply batch_find(net::RouteContext& c);
    net::Reply set_status(net::RouteContext& c);
    net::Reply put_instance_properties(net::RouteContext& c);
    net::Reply watch(net::RouteContext& c);
    asio::awaitable<void> run_watch(std::shared_ptr<net::WebSocketConnection> ws, std::string key,
                                    bool exists);

    RegistryStore& store_;
    WatchHub& hub_;
    const std::chrono::milliseconds ping_interval_;
    const std::string version_;
};

/// "domain/project": X-Domain-Name (default "default") and the {project} path parameter.
std::string tenant_of(const net::RouteContext& c);
net::Reply sc_json(const OrderedJson& body);
/// A bodyless 200: empty body, text/plain (spec §1.1).
net::Reply sc_empty();

}  // namespace scagent::dev_registry
