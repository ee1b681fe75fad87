#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/clients/registry_client.hpp"
#include "agent/net/origin.hpp"
#include "agent/net/tls_context.hpp"
#include "agent/net/transport_error.hpp"
#include "agent/runtime/supervisor.hpp"
#include "plugins/registry/servicecomb/model.hpp"

namespace scagent::discovery {

struct WatcherOptions {
    std::chrono::milliseconds initial_backoff = std::chrono::seconds(1);
    std::chrono::milliseconds max_backoff = std::chrono::seconds(30);
    std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
    /// SC pings every 30 s with a 4 x 30 s read deadline (spec §1.4.11); Beast pings on our side
    /// after half of this and drops the connection when nothing at all arrives for this long.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(120);
    /// The agent pings on this schedule whatever arrives: SC answers a client's ping with a pong
    /// and takes it as a sign of life, so a registry (or a proxy in front of it) that does not
    /// count our automatic pongs cannot close a quiet watch at its read deadline.
    std::chrono::milliseconds ping_interval = std::chrono::seconds(30);
    /// Restarts the loop when it throws; null: a private one (unit tests).
    runtime::Supervisor* supervisor = nullptr;
    net::TlsOptions tls;
};

/// The registry's websocket watch for the local service (spec §1.4.11): GET
/// /v4/{project}/registry/microservices/{consumerServiceId}/watcher, one event per text frame.
/// Events only say "this provider changed"; the handler re-pulls (the payload may be stale or
/// dropped on overflow, so the cache never applies it directly). Reconnects with exponential
/// backoff 1 s → 30 s, forever; after each (re)connect `on_connected` runs, since events that
/// happened while disconnected are lost.
///
/// Threading: runs on `strand`; start/stop from any thread. The loop is a supervised task of the
/// watcher's own group: stop(), then await wait().
class Watcher {
  public:
    using ConsumerId = std::function<std::string()>;
    using EventHandler = std::function<void(const plugins::servicecomb::WatchEvent&)>;

    /// Throws std::runtime_error when a TLS file of `options.tls` cannot be loaded.
    Watcher(boost::asio::any_io_executor strand, clients::RegistryClient& client,
            ConsumerId consumer_id, EventHandler on_event, std::function<void()> on_connected,
            WatcherOptions options = {});
    ~Watcher();

    void start();
    /// Asks the loop to end; the open websocket is closed.
    void stop();
    /// The consumer id may have changed (a local service registered): look now.
    void consumer_changed();
    /// Completes once the loop has ended.
    boost::asio::awaitable<void> wait() { return loops_.wait(); }

    bool connected() const noexcept { return connected_.load(); }
    /// Successful handshakes so far (tests).
    std::uint64_t connects() const noexcept { return connects_.load(); }
    /// Pings the agent sent on its own schedule (all sessions).
    std::uint64_t pings() const noexcept { return pings_.load(); }

  private:
    boost::asio::awaitable<void> run(runtime::Supervisor::Checkpoint checkpoint);
    /// One connection, until it fails or stop(); returns why it ended.
    boost::asio::awaitable<std::string> session(std::string address, std::string consumer);
    using UpgradeHeaders = std::vector<std::pair<std::string, std::string>>;
    template <class Stream>
    boost::asio::awaitable<std::string> talk(net::TransportResult<Stream> connected,
                                             net::Origin origin, std::string target,
                                             UpgradeHeaders headers);
    void on_frame(const std::string& frame);

    boost::asio::any_io_executor strand_;
    clients::RegistryClient& client_;
    ConsumerId consumer_id_;
    EventHandler on_event_;
    std::function<void()> on_connected_;
    WatcherOptions options_;
    std::unique_ptr<net::LazyTlsContext> tls_;
    std::atomic<bool> connected_{false};
    std::atomic<std::uint64_t> connects_{0};
    std::atomic<std::uint64_t> pings_{0};
    runtime::SupervisedGroup loops_;

    // Strand-only.
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
    std::function<void()> cancel_current_;
};

}  // namespace scagent::discovery
