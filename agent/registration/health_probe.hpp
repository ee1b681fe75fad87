#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>

#include "agent/net/http_transport.hpp"
#include "agent/registration/probe_state.hpp"
#include "agent/runtime/supervisor.hpp"
#include "config/service_descriptor.hpp"

namespace scagent::registration {

/// One probe of the local app: `check.http` passes on a 2xx answer to GET, `check.tcp` on an
/// accepted connection; either within `check.timeout`. Never throws.
boost::asio::awaitable<bool> probe_once(net::HttpTransport& http,
                                        const config::HealthCheckSettings& check);

/// Probes the local app every `check.interval` and feeds ProbeState; calls `listener` (on the
/// probe's executor) when the hysteresis changes its verdict.
///
/// Ownership: create with std::make_shared; the loop runs in the owner's TaskGroup and keeps
/// the object alive. `http` must outlive the loop.
class HealthProbe : public std::enable_shared_from_this<HealthProbe> {
  public:
    using Listener = std::function<void(AppHealth)>;

    HealthProbe(boost::asio::any_io_executor executor, net::HttpTransport& http,
                config::HealthCheckSettings check, Listener listener);

    /// Starts the loop in `group`; the first probe runs at once.
    void start(runtime::TaskGroup& group, runtime::Supervisor& supervisor);
    /// Ends the loop after the probe in flight (if any); no listener call afterwards. The
    /// owner awaits its TaskGroup to know the loop has ended.
    void stop();

    AppHealth health() const noexcept { return health_.load(); }

  private:
    boost::asio::awaitable<void> loop(runtime::Supervisor::Checkpoint checkpoint);

    boost::asio::any_io_executor executor_;
    net::HttpTransport& http_;
    const config::HealthCheckSettings check_;
    Listener listener_;
    ProbeState state_;
    std::atomic<AppHealth> health_{AppHealth::kUnknown};
    std::atomic<bool> stopped_{false};
    boost::asio::steady_timer timer_;
};

}  // namespace scagent::registration
