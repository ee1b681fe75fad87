#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "agent/dev_registry/registry_store.hpp"
#include "agent/net/http_router.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::dev_registry {

class KieStore;

struct DevRegistryConfig {
    std::string listen = "127.0.0.1:30100";      ///< service center v4; port 0 allowed
    std::string kie_listen = "127.0.0.1:30110";  ///< kie; empty = no kie server
    std::string auth;                            ///< "user:password" turns RBAC on
    std::chrono::seconds token_min_expiration = std::chrono::minutes(15);  ///< SC's minimum
    std::chrono::milliseconds watch_ping_interval = std::chrono::seconds(30);
    /// A watch that hears nothing from its client for this long is closed (SC's read deadline);
    /// 0: 4 x watch_ping_interval, as SC. Tests set it apart from the ping interval to play a
    /// registry that does not count the client's pongs, only what the client sends itself.
    std::chrono::milliseconds watch_idle_timeout{0};
    /// Real-time lease sweep period; 0 disables the timer (tests call sweep_now()).
    std::chrono::milliseconds sweep_interval = std::chrono::seconds(1);
    std::chrono::milliseconds kie_max_wait = std::chrono::minutes(5);
    std::chrono::milliseconds stop_grace = std::chrono::seconds(2);
    RegistryStoreOptions store;
};

/// The embedded dev registry: an in-memory service center (REST v4) and kie on two HTTP
/// servers sharing one io_context. Used by `sc-agent dev-registry`, `sc-agent dev` and every
/// integration test.
///
/// Lifecycle: construct, start() (binds; throws std::system_error on failure), run the
/// io_context, stop() from any thread; the io_context then runs out of work once connections
/// have closed (within `stop_grace`). Destroy after the io_context has stopped running.
class DevRegistry {
  public:
    DevRegistry(asio::io_context& ioc, DevRegistryConfig config,
                plugins::Clock& clock = plugins::system_clock());
    ~DevRegistry();
    DevRegistry(const DevRegistry&) = delete;
    DevRegistry& operator=(const DevRegistry&) = delete;

    void start();
    void stop();

    std::uint16_t sc_port() const;
    std::uint16_t kie_port() const;  ///< 0 when kie is off
    /// "127.0.0.1:port" as bound.
    std::string sc_address() const;
    std::string kie_address() const;

    /// Expires every lease past its deadline now (emitting watch DELETEs); returns how many.
    std::size_t sweep_now();
    /// Requests per route (and per status) since start, keyed "METHOD pattern".
    std::map<std::string, net::RouteCounts> sc_route_counts() const;
    std::map<std::string, net::RouteCounts> kie_route_counts() const;

    /// Open watch sessions that have subscribed (tests wait on this before publishing).
    std::size_t watcher_count() const;

    RegistryStore& store();
    KieStore& kie();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scagent::dev_registry
