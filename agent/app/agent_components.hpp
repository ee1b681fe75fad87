#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/local_api.hpp"
#include "agent/clients/registry_client.hpp"
#include "agent/discovery/discovery.hpp"
#include "agent/governance/governance_metrics.hpp"
#include "agent/governance/governance_store.hpp"
#include "agent/net/http_client.hpp"
#include "agent/proxy/proxy.hpp"
#include "agent/registration/registration_metrics.hpp"
#include "agent/registration/registrations.hpp"
#include "agent/runtime/background.hpp"
#include "agent/runtime/component.hpp"
#include "agent/runtime/supervisor.hpp"
#include "config/loader.hpp"
#include "metrics/metrics_registry.hpp"
#include "plugins/governance/governed_selector.hpp"

namespace scagent::app {

/// What the daemon adds to the components: its readiness verdict (/readyz), the shortened
/// timings of tests.
struct ComponentSettings {
    std::function<std::optional<std::string>()> not_ready_reason;
    double heartbeat_scale = 1.0;
    std::optional<std::chrono::seconds> token_lifetime;
    /// The time governance policies (breakers, limiters, isolation) see; null: the real one.
    plugins::Clock* policy_clock = nullptr;
};

/// The daemon's components and the clients they share, wired from the configuration
/// (docs/architecture.md): governance → discovery → registration → proxy → local API. Building
/// starts nothing. Throws std::runtime_error naming `registry.tls` when a TLS file cannot be
/// loaded.
struct AgentComponents {
    AgentComponents(boost::asio::io_context& ioc, const config::LoadedConfig& loaded,
                    metrics::MetricsRegistry& metrics, runtime::Supervisor& supervisor,
                    ComponentSettings settings);
    ~AgentComponents();

    /// Start order; the daemon stops them in reverse, so the listeners close first and the
    /// instances deregister before the caches and the governance store go.
    std::vector<runtime::Component*> ordered() const;

    /// First member, so destroyed last: its thread is joined after every component is gone.
    std::unique_ptr<runtime::Background> background;
    std::unique_ptr<net::HttpClient> registry_http;
    std::unique_ptr<net::HttpClient> probe_http;
    std::unique_ptr<clients::RegistryClient> client;
    std::unique_ptr<registration::RegistrationMetrics> registration_metrics;
    std::unique_ptr<governance::GovernanceMetrics> governance_metrics;
    std::unique_ptr<governance::GovernanceStore> governance;
    std::shared_ptr<plugins::governance::GovernedSelector> governed_selector;
    std::unique_ptr<discovery::Discovery> discovery;
    std::unique_ptr<registration::Registrations> registrations;
    std::unique_ptr<proxy::Proxy> proxy;
    std::unique_ptr<api::LocalApi> local_api;
};

}  // namespace scagent::app
