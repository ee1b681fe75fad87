#pragma once

#include <chrono>

#include "agent/dev_registry/kie_store.hpp"
#include "agent/net/http_router.hpp"

namespace scagent::dev_registry {

/// The kie v1 routes of spec §3 over a KieStore, with `wait=` long polling.
class KieApi {
  public:
    KieApi(KieStore& store, std::chrono::milliseconds max_wait)
        : store_(store), max_wait_(max_wait) {}

    void install(net::HttpRouter& router);

  private:
    net::Reply create(net::RouteContext& c);
    net::Reply update(net::RouteContext& c);
    net::Reply remove_many(net::RouteContext& c);
    asio::awaitable<net::Reply> list(net::RouteContext& c);

    KieStore& store_;
    const std::chrono::milliseconds max_wait_;
};

}  // namespace scagent::dev_registry
