#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "agent/net/route_types.hpp"
#include "agent/proxy/forwarder.hpp"
#include "agent/proxy/proxy_loop.hpp"
#include "agent/runtime/component.hpp"

namespace scagent::proxy {

/// The forwarding proxy (spec: Proxy): apps call `http://{service}/path` through
/// `listen.proxy` (or a service's own `proxy.listen`) and the agent picks a discovered
/// instance, applies the target's governance and streams the answer back.
///
/// The "proxy" component: `options.threads` event loops, each on its own thread with its own
/// acceptors and upstream pools. start() binds every address (throws naming it when it
/// cannot); stop() stops accepting, lets calls in flight finish within options.drain_timeout,
/// cancels the rest and returns when every loop's thread has ended.
class Proxy final : public runtime::Component {
  public:
    Proxy(ProxyOptions options, discovery::Discovery& discovery,
          plugins::governance::GovernedSelector& selector, ProxyShared::Snapshots snapshots,
          metrics::MetricsRegistry& metrics, plugins::Clock& clock, ActionCounter actions = {});
    ~Proxy();

    std::string_view name() const noexcept override { return "proxy"; }
    void start() override;
    boost::asio::awaitable<void> stop() override;
    /// During stop(): calls in flight are cancelled now (a second SIGTERM).
    void hurry();

    /// `GET /v1/explain` of the local API: what a call would meet (explain.hpp).
    net::RouteHandler explain_handler();

    /// The bound port of each of options.listeners, in order (after start()).
    const std::vector<std::uint16_t>& ports() const noexcept { return ports_; }

  private:
    ProxyMetrics metrics_;
    ProxyShared shared_;
    std::vector<std::unique_ptr<ProxyLoop>> loops_;
    std::vector<std::uint16_t> ports_;
    bool started_ = false;
};

}  // namespace scagent::proxy
