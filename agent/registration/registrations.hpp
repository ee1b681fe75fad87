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

namespace scagent::registration {

/// What a descriptor reload changed, by service identity.
struct ReloadSummary {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> changed;
    std::vector<std::string> kept;  ///< their file is broken: previous state kept
};

/// Every local service's Registrar and the shared HeartbeatScheduler.
///
/// Thread-safety: the readers (states, not_ready_reason, set_maintenance, set_draining,
/// drained) may be called from any thread; start/reload/stop_all run on the strand.
class Registrations {
  public:
    Registrations(boost::asio::any_io_executor strand, RegistryClient& client,
                  net::HttpTransport& probe_http, RegistrationMetrics& metrics,
                  RegistrarOptions options);

    void start(const std::vector<config::ServiceDescriptor>& descriptors);

    /// SIGHUP: `loaded` are the descriptors that parsed; registrars whose source file is in
    /// `broken_files` are kept as they are, others missing from `loaded` deregister, new ones
    /// register, changed ones deregister and register again.
    boost::asio::awaitable<ReloadSummary> reload(std::vector<config::ServiceDescriptor> loaded,
                                                 std::set<std::string> broken_files);

    std::vector<RegistrarState> states() const;
    /// False when no local service has that name.
    bool set_maintenance(const std::string& name, bool enable, const std::string& reason);
    /// Nothing when every local service is registered; else why not (for /readyz).
    std::optional<std::string> not_ready_reason() const;
    /// True when some service has failed at least one registration attempt and is retrying.
    bool retrying() const;

    void set_draining();
    /// Every registered instance shows the status it should (DOWN when draining).
    bool settled() const;

    /// Stops heartbeats and probes, deregisters every instance (concurrently).
    boost::asio::awaitable<void> stop_all();

  private:
    std::shared_ptr<Registrar> make_registrar(config::ServiceDescriptor descriptor);
    std::vector<std::shared_ptr<Registrar>> snapshot() const;

    boost::asio::any_io_executor strand_;
    RegistryClient& client_;
    net::HttpTransport& probe_http_;
    RegistrationMetrics& metrics_;
    RegistrarOptions options_;
    std::shared_ptr<HeartbeatScheduler> scheduler_;

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Registrar>> registrars_;  ///< by identity()
    std::map<std::string, std::string> fingerprints_;               ///< by identity()
};

/// A canonical text of every field that goes to the registry (change detection on reload).
std::string fingerprint(const config::ServiceDescriptor& descriptor);

}  // namespace scagent::registration
