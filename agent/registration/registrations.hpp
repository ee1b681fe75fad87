#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/registration/heartbeat_scheduler.hpp"
#include "agent/registration/registrar.hpp"
#include "agent/runtime/component.hpp"
#include "agent/runtime/event.hpp"
#include "agent/runtime/supervisor.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::registration {

/// What a descriptor reload changed, by service identity.
struct ReloadSummary {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> changed;
    std::vector<std::string> kept;  ///< their file is broken: previous state kept
};

/// Every local service's Registrar and the shared HeartbeatScheduler: the "registration"
/// component. stop() deregisters every instance.
///
/// Two events replace polling: registered() is set while every local service is registered
/// (READY=1 waits for it), settled() while every registered instance shows the status it
/// should (drain waits for DOWN to reach the registry).
///
/// Thread-safety: the readers (states, not_ready_reason, set_maintenance, set_draining, the
/// events) may be called from any thread; start/reload/stop run on the strand.
class Registrations final : public runtime::Component {
  public:
    /// `options.supervisor` must be set. `descriptors` register at start().
    Registrations(boost::asio::any_io_executor strand, RegistryClient& client,
                  net::HttpTransport& probe_http, RegistrationMetrics& metrics,
                  RegistrarOptions options, std::vector<config::ServiceDescriptor> descriptors);

    std::string_view name() const noexcept override { return "registration"; }
    void start() override;
    /// Stops heartbeats and probes, deregisters every instance (concurrently).
    boost::asio::awaitable<void> stop() override;

    /// SIGHUP: `loaded` are the descriptors that parsed; registrars whose source file is in
    /// `broken_files` are kept as they are, others missing from `loaded` deregister, new ones
    /// register, changed ones deregister and register again.
    boost::asio::awaitable<ReloadSummary> reload(std::vector<config::ServiceDescriptor> loaded,
                                                 std::set<std::string> broken_files);

    std::vector<RegistrarState> states() const;
    /// The X-ConsumerId of finds and the watch: the first local service that has a serviceId,
    /// "" while none has.
    std::string first_service_id() const;
    /// False when no local service has that name.
    bool set_maintenance(const std::string& name, bool enable, const std::string& reason);
    /// Nothing when every local service is registered; else why not (for /readyz).
    std::optional<std::string> not_ready_reason() const;
    /// True when some service has failed at least one registration attempt and is retrying.
    bool retrying() const;

    void set_draining();
    /// Set while every local service is registered.
    runtime::Event& registered() noexcept { return registered_; }
    /// Set while every registered instance shows the status it should (DOWN when draining).
    runtime::Event& settled() noexcept { return settled_; }
    /// Called (on the strand) after any registrar's state may have changed.
    void set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

  private:
    std::shared_ptr<Registrar> make_registrar(config::ServiceDescriptor descriptor);
    std::vector<std::shared_ptr<Registrar>> snapshot() const;
    void update_events();

    boost::asio::any_io_executor strand_;
    RegistryClient& client_;
    net::HttpTransport& probe_http_;
    RegistrationMetrics& metrics_;
    RegistrarOptions options_;
    std::vector<config::ServiceDescriptor> initial_;
    std::shared_ptr<HeartbeatScheduler> scheduler_;
    runtime::TaskGroup tasks_;  ///< the heartbeat loop
    runtime::Event registered_;
    runtime::Event settled_;
    std::function<void()> on_change_;

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Registrar>> registrars_;  ///< by identity()
    std::map<std::string, std::string> fingerprints_;               ///< by identity()
};

/// A canonical text of every field that goes to the registry (change detection on reload).
std::string fingerprint(const config::ServiceDescriptor& descriptor);

}  // namespace scagent::registration
