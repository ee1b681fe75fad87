#pragma once

#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/app/daemon.hpp"
#include "tests/support/http_test_client.hpp"

namespace scagent::test {

/// The daemon in-process on its own io_context thread, from an agent.yaml on disk (see
/// AgentYaml). The constructor returns once the local API listens, or throws when the daemon
/// exits first or the config does not load. Heartbeats run at 0.3× their period unless
/// `options.heartbeat_scale` says otherwise; signals are left to the test process.
class AgentRunner {
  public:
    explicit AgentRunner(const std::string& agent_yaml_path, app::DaemonOptions options = {});
    ~AgentRunner();
    AgentRunner(const AgentRunner&) = delete;
    AgentRunner& operator=(const AgentRunner&) = delete;

    /// Drains (as SIGTERM) and waits for the daemon to return; its exit code.
    int stop();
    /// Stops without the drain waits (as a second SIGTERM), e.g. when the registry is gone.
    int stop_now();
    /// As SIGHUP.
    void reload();

    std::uint16_t api_port() const { return api_port_; }
    HttpTestClient api() const { return HttpTestClient("127.0.0.1", api_port_); }
    /// The proxy's ports: `listen.proxy` first, then each service's own `proxy.listen`.
    const std::vector<std::uint16_t>& proxy_ports() const { return proxy_ports_; }
    /// A client of the proxy's first listener.
    HttpTestClient proxy() const { return HttpTestClient("127.0.0.1", proxy_ports_.at(0)); }

  private:
    boost::asio::io_context ioc_{1};
    std::unique_ptr<app::Daemon> daemon_;
    std::thread thread_;
    std::uint16_t api_port_ = 0;
    std::vector<std::uint16_t> proxy_ports_;  // set with started_port_

    // The two events start-up waits for: the API listens, or run() returned.
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<std::uint16_t> started_port_;  // guarded by mutex_
    std::optional<int> exit_code_;               // guarded by mutex_
};

}  // namespace scagent::test
