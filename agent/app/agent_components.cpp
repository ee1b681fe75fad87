#include "agent/app/agent_components.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <random>
#include <stdexcept>

#include "agent/api/admin_routes.hpp"
#include "agent/api/discovery_routes.hpp"
#include "agent/api/governance_routes.hpp"
#include "agent/discovery/discovery_config.hpp"
#include "agent/discovery/governed_instance_selector.hpp"
#include "agent/discovery/snapshot_file.hpp"
#include "agent/governance/inputs_json.hpp"
#include "agent/governance/store_config.hpp"
#include "agent/proxy/proxy.hpp"
#include "agent/registration/host_identity.hpp"

namespace scagent::app {
namespace {

/// The key of the governance items in the disk snapshot's "extra".
constexpr const char* kGovernanceExtra = "governance";

clients::RegistryClientOptions client_options(const config::RegistrySettings& registry) {
    clients::RegistryClientOptions options;
    options.addresses = registry.addresses;
    options.project = registry.project;
    options.domain = registry.domain;
    options.username = registry.auth.username;
    options.password = registry.auth.password;
    return options;
}

bool advertises_any_address(const std::vector<config::ServiceDescriptor>& services) {
    for (const auto& service : services) {
        for (const auto& endpoint : service.instance.endpoints) {
            if (endpoint.find("://0.0.0.0:") != std::string::npos) {
                return true;
            }
        }
    }
    return false;
}

/// Installs the governance items of the last run's disk snapshot (before the store starts):
/// they apply until kie answers, so a restart during a config-center outage keeps the rules.
/// A missing or unusable snapshot is not an error (Discovery logs why it ignores a bad one).
void restore_governance(governance::GovernanceStore& store, const std::string& snapshot_path) {
    std::error_code ec;
    if (snapshot_path.empty() || !std::filesystem::exists(snapshot_path, ec)) {
        return;
    }
    const auto decoded = discovery::read_snapshot_file(snapshot_path);
    if (!decoded.error.empty() || !decoded.extra.is_object() ||
        !decoded.extra.contains(kGovernanceExtra)) {
        return;
    }
    auto inputs = governance::inputs_from_json(decoded.extra[kGovernanceExtra]);
    spdlog::info("governance: {} item(s) restored from the disk snapshot {}", inputs.size(),
                 snapshot_path);
    store.restore(inputs);
}

proxy::ProxyOptions proxy_options(const config::LoadedConfig& loaded) {
    const auto& agent = loaded.agent;
    proxy::ProxyOptions options;
    if (!agent.listen.proxy.empty()) {
        options.listeners.push_back({agent.listen.proxy, ""});
    }
    for (const auto& service : loaded.services) {
        options.local_services.push_back(
            {service.service.app, service.service.name, service.service.environment});
        if (!service.proxy_listen.empty()) {
            options.listeners.push_back({service.proxy_listen, service.service.name});
        }
        if (service.inbound) {
            options.listeners.push_back(
                {service.inbound->listen, "",
                 proxy::InboundTarget{service.service.name, service.service.app,
                                      service.inbound->target_host,
                                      static_cast<std::uint16_t>(service.inbound->target_port)}});
        }
    }
    options.threads = agent.threads;
    options.max_retry_body = agent.proxy.max_retry_body;
    options.connect_timeout = agent.proxy.connect_timeout;
    options.idle_timeout = agent.proxy.idle_timeout;
    options.client_idle_timeout = agent.proxy.client_idle_timeout;
    options.max_connections_per_instance =
        static_cast<std::size_t>(agent.proxy.max_connections_per_instance);
    options.access_log = agent.log.access;
    options.drain_timeout = agent.drain.timeout;
    options.max_connections = static_cast<std::size_t>(agent.limits.max_connections);
    return options;
}

std::unique_ptr<net::HttpClient> registry_transport(const config::AgentConfig& agent) {
    net::HttpClientOptions http;
    http.tls = net::TlsOptions{agent.registry.tls.ca_file, agent.registry.tls.cert_file,
                               agent.registry.tls.key_file, agent.registry.tls.verify};
    try {
        return std::make_unique<net::HttpClient>(http);
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("registry.tls: ") + e.what());
    }
}

}  // namespace

AgentComponents::AgentComponents(boost::asio::io_context& ioc, const config::LoadedConfig& loaded,
                                 metrics::MetricsRegistry& metrics, runtime::Supervisor& supervisor,
                                 ComponentSettings settings) {
    const auto& agent = loaded.agent;
    const auto executor = ioc.get_executor();
    background = std::make_unique<runtime::Background>();
    registry_http = registry_transport(agent);
    probe_http = std::make_unique<net::HttpClient>(net::HttpClientOptions{});
    auto registry_options = client_options(agent.registry);
    if (settings.token_lifetime) {
        registry_options.token_lifetime = *settings.token_lifetime;
    }
    client = std::make_unique<clients::RegistryClient>(*registry_http, plugins::system_clock(),
                                                       std::move(registry_options));
    registration_metrics = std::make_unique<registration::RegistrationMetrics>(metrics);
    client->set_observer(registration_metrics->observer());

    governance_metrics = std::make_unique<governance::GovernanceMetrics>(metrics);
    auto store_options = governance::store_options(agent, loaded.services, client.get());
    store_options.supervisor = &supervisor;
    store_options.background = background->executor();
    governance = std::make_unique<governance::GovernanceStore>(
        executor, *registry_http, governance_metrics.get(), std::move(store_options));
    restore_governance(*governance, agent.cache.snapshot_path);

    // Registration before discovery is built: the consumer id of finds and the watch is the
    // first registered local service's id. It registers only once started, after discovery.
    registration::RegistrarOptions registrar_options;
    registrar_options.hostname = registration::system_hostname();
    registrar_options.heartbeat_scale = settings.heartbeat_scale;
    registrar_options.supervisor = &supervisor;
    if (advertises_any_address(loaded.services)) {
        registrar_options.advertise_address = registration::advertise_address();
    }
    registrations = std::make_unique<registration::Registrations>(
        boost::asio::make_strand(ioc), *client, *probe_http, *registration_metrics,
        registrar_options, loaded.services);

    // The snapshot also carries the governance items, so a restart during an outage keeps both.
    auto discovery_options = discovery::discovery_options(agent, loaded.services);
    discovery_options.supervisor = &supervisor;
    discovery_options.background = background->executor();
    discovery_options.snapshot_extra = [store = governance.get()] {
        return nlohmann::json{{kGovernanceExtra, governance::inputs_to_json(store->inputs())}};
    };
    discovery = std::make_unique<discovery::Discovery>(
        executor, *client, metrics.registry(),
        [regs = registrations.get()] { return regs->first_service_id(); },
        std::move(discovery_options));
    governance->set_on_change(
        [cache = discovery.get()](const auto&) { cache->note_snapshot_change(); });
    // `select` follows the governance of the target service (route rule, isolation, LB); the
    // app's outcome reports feed the same selector.
    auto& policy_clock = settings.policy_clock ? *settings.policy_clock : plugins::system_clock();
    governed_selector = std::make_shared<plugins::governance::GovernedSelector>(
        [store = governance.get()] { return store->snapshot(); }, policy_clock,
        [counters = governance_metrics.get()](std::string_view kind, std::string_view action) {
            counters->action(kind, action).Increment();
        },
        std::random_device{}());
    discovery->set_selector(
        std::make_unique<discovery::GovernedInstanceSelector>(governed_selector));

    proxy = std::make_unique<proxy::Proxy>(
        proxy_options(loaded), *discovery, *governed_selector,
        [store = governance.get()] { return store->snapshot(); }, metrics, policy_clock,
        [counters = governance_metrics.get()](std::string_view kind, std::string_view action) {
            counters->action(kind, action).Increment();
        });

    api::ApiAccess access;
    access.allowed_hosts = agent.api.allowed_hosts;
    access.token = agent.api.token.reveal();
    local_api = std::make_unique<api::LocalApi>(ioc, agent.listen.api, agent.listen.metrics,
                                                agent.drain.timeout, std::move(access));
    local_api->limit_connections(static_cast<std::size_t>(agent.limits.max_connections));
    auto* regs = registrations.get();
    auto* registry = &metrics;
    api::add_admin_routes(
        local_api->router(),
        api::AdminSource{[regs] { return regs->states(); },
                         [regs](const std::string& name, bool enable, const std::string& reason) {
                             return regs->set_maintenance(name, enable, reason);
                         },
                         std::move(settings.not_ready_reason),
                         [registry] { return registry->exposition(); }});
    api::add_governance_routes(local_api->router(),
                               [store = governance.get()] { return store->view(); });
    api::add_discovery_routes(
        local_api->router(), *discovery,
        [defaults = api::discovery_defaults(loaded.services)] { return defaults; });
    local_api->router().add(net::Method::get, "/v1/explain", proxy->explain_handler());
    api::add_metrics_route(local_api->metrics_router(),
                           [registry] { return registry->exposition(); });
}

AgentComponents::~AgentComponents() = default;

std::vector<runtime::Component*> AgentComponents::ordered() const {
    return {governance.get(), discovery.get(), registrations.get(), proxy.get(), local_api.get()};
}

}  // namespace scagent::app
