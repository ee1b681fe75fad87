#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/clients/registry_client.hpp"
#include "agent/registration/health_probe.hpp"
#include "agent/registration/registration_metrics.hpp"
#include "agent/registration/schedule.hpp"
#include "agent/runtime/supervisor.hpp"
#include "agent/runtime/task_group.hpp"
#include "config/service_descriptor.hpp"
#include "plugins/api/rng.hpp"

namespace scagent::registration {

namespace sc = plugins::servicecomb;
using clients::RegistryClient;

/// What GET /v1/agent/services shows of one local service.
struct RegistrarState {
    std::string app;
    std::string name;
    std::string version;
    std::string environment;
    std::string service_id;
    std::string instance_id;
    std::string status;  ///< last status the registry accepted (or the one about to be sent)
    bool registered = false;
    bool maintenance = false;
    std::string maintenance_reason;
    std::optional<std::chrono::system_clock::time_point> last_heartbeat;
    /// The registry's lease of the instance (healthCheck interval × (times + 1)) and when the
    /// registry last renewed it (registration or an accepted heartbeat): past the lease without
    /// a renewal, the registry has most likely dropped the instance.
    std::chrono::seconds lease{};
    std::chrono::steady_clock::time_point lease_renewed_at{};
    std::string last_error;   ///< why the last registry call failed; empty after a success
    int failed_attempts = 0;  ///< registration attempts that failed since the last success
};

struct RegistrarOptions {
    std::string advertise_address = "127.0.0.1";  ///< replaces 0.0.0.0 in endpoints
    std::string hostname;                         ///< used when the descriptor has none
    double heartbeat_scale = 1.0;                 ///< tests shorten the heartbeat period
    runtime::Supervisor* supervisor = nullptr;    ///< restarts a failing loop; required
    /// Called (on the strand) whenever state() may have changed: registered, status, error.
    std::function<void()> on_change;
};

/// One local service's registration (spec §2.3), a coroutine state machine on one strand:
///   unregistered --create service, register instance--> registered
///   registered --400017 (heartbeat/status)--> unregistered, same instanceId
///   registered --400012--> unregistered, service recreated first
///   registered --desired status differs--> PUT status
/// Failed attempts back off 1 s .. 30 s. Heartbeats come from a HeartbeatScheduler through
/// on_heartbeat(). The desired status is DOWN while draining, else OUTOFSERVICE in maintenance,
/// else UP without a check, else the probe's verdict (STARTING until it has one).
///
/// Thread-safety: state() and the setters may be called from any thread; everything else runs
/// on the strand given at construction. Create with std::make_shared.
class Registrar : public std::enable_shared_from_this<Registrar> {
  public:
    Registrar(boost::asio::any_io_executor strand, RegistryClient& client,
              net::HttpTransport& probe_http, RegistrationMetrics& metrics,
              config::ServiceDescriptor descriptor, RegistrarOptions options);

    /// Starts the registration loop and the probe in the registrar's own TaskGroup.
    void start();
    /// Cancels the loop and the probe (a registry call in flight is abandoned), awaits them,
    /// then deregisters when registered. Runs on the strand.
    boost::asio::awaitable<void> stop_and_deregister();

    void set_maintenance(bool enable, std::string reason);
    void set_draining();
    /// True once the registry holds the status the registrar wants (drain waits on it).
    bool status_settled() const;

    RegistrarState state() const;
    const config::ServiceDescriptor& descriptor() const noexcept { return descriptor_; }
    Millis heartbeat_period() const noexcept { return heartbeat_period_; }

    /// For the HeartbeatScheduler (on the strand): whom to heartbeat, and how it went.
    std::optional<sc::HeartbeatEntry> heartbeat_target() const;
    void on_heartbeat(const sc::Result<void>& result);

  private:
    enum class Gone { kNothing, kInstance, kService };

    boost::asio::awaitable<void> loop(runtime::Supervisor::Checkpoint checkpoint);
    void changed() const;
    boost::asio::awaitable<sc::Result<void>> register_once(bool service_recreated = false);
    boost::asio::awaitable<sc::Result<void>> create_service();
    sc::MicroServiceInstance instance_body(const std::string& status) const;
    std::string desired_status() const;  ///< mutex_ held
    void fail(const sc::RegistryError& error, const char* what);
    void wake();
    boost::asio::awaitable<void> sleep(Millis duration);

    boost::asio::any_io_executor strand_;
    RegistryClient& client_;
    RegistrationMetrics& metrics_;
    const config::ServiceDescriptor descriptor_;
    const RegistrarOptions options_;
    const Millis heartbeat_period_;
    std::shared_ptr<HealthProbe> probe_;
    boost::asio::steady_timer wake_;
    plugins::SeededRng rng_;
    Backoff backoff_;
    runtime::TaskGroup tasks_;  ///< the loop and the probe

    // Strand-only.
    bool dirty_ = false;
    bool stopping_ = false;
    /// A register_instance call is in flight: the registry may create the instance whatever
    /// happens to us, so stopping waits for its answer and deregisters what it created.
    bool registering_ = false;
    Gone gone_ = Gone::kService;  ///< what (re)registration must recreate

    // Written on the strand, read anywhere.
    mutable std::mutex mutex_;
    RegistrarState state_;
    AppHealth health_ = AppHealth::kUnknown;
    bool draining_ = false;
};

}  // namespace scagent::registration
