#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "agent/runtime/supervisor.hpp"
#include "config/loader.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::app {

/// Where the daemon listens once started (port 0 in a config picks one).
struct ListeningPorts {
    std::uint16_t api = 0;
    /// The proxy's: `listen.proxy` first (when set), then each service's own `proxy.listen`.
    std::vector<std::uint16_t> proxy;
};

struct DaemonOptions {
    /// Used again for SIGHUP reloads (the bundled dev files live in memory).
    config::LoadOptions load;
    /// React to SIGTERM/SIGINT/SIGHUP; in-process tests call request_stop()/reload() instead.
    bool handle_signals = true;
    /// Shortens heartbeat periods (tests). 1.0 in production.
    double heartbeat_scale = 1.0;
    /// RBAC token lifetime to request instead of the client's default (tests of refresh).
    std::optional<std::chrono::seconds> token_lifetime;
    /// The time governance policies see (tests move a FakeClock); null: the real clock.
    plugins::Clock* policy_clock = nullptr;
    /// Called on the io_context once the local API and the proxy listen (tests learn the ports).
    std::function<void(const ListeningPorts& ports)> on_started;
    /// Called after the last component has stopped (dev: stop the embedded registry).
    std::function<void()> on_stopped;
    /// Restart backoff and the fault hook of supervised loops (tests inject loop faults).
    runtime::Supervisor::Options supervisor;
};

/// The `run` lifecycle (docs/architecture.md): builds the components (AgentComponents),
/// starts them in order, READY=1 once every local service is registered; SIGTERM/SIGINT:
/// readiness off, instances DOWN, drain.delay, then the components stop in reverse (listeners
/// close and in-flight requests get drain.timeout, instances deregister, caches and governance
/// stop); a second signal skips the waits. SIGHUP reloads descriptors and governance. run()
/// returns when the io_context has run out of work: nothing is abandoned.
///
/// Thread-safety: run() blocks the calling thread (plus `threads - 1` more) until the stop
/// completes; request_stop() and reload() may be called from any thread.
class Daemon {
  public:
    Daemon(boost::asio::io_context& ioc, config::LoadedConfig loaded, DaemonOptions options = {});
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Exit code: 0 after a clean stop, 1 when a listener cannot bind, 78 for a TLS file that
    /// cannot be loaded.
    int run();

    /// As SIGTERM: the first call drains, a second one skips the remaining waits.
    void request_stop();
    /// As SIGHUP.
    void reload();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// `sc-agent run`'s body after the configuration has loaded: its own io_context.
int run_daemon(config::LoadedConfig loaded, DaemonOptions options = {});

}  // namespace scagent::app
