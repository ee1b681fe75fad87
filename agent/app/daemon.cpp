#include "agent/app/daemon.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "agent/api/admin_routes.hpp"
#include "agent/api/discovery_routes.hpp"
#include "agent/api/governance_routes.hpp"
#include "agent/api/local_api.hpp"
#include "agent/app/commands.hpp"
#include "agent/app/systemd_notify.hpp"
#include "agent/discovery/discovery_config.hpp"
#include "agent/discovery/snapshot_file.hpp"
#include "agent/governance/governance_store.hpp"
#include "agent/governance/governed_instance_selector.hpp"
#include "agent/governance/inputs_json.hpp"
#include "agent/governance/store_config.hpp"
#include "agent/net/http_client.hpp"
#include "agent/registration/host_identity.hpp"
#include "agent/registration/registrations.hpp"
#include "metrics/metrics_registry.hpp"

namespace scagent::app {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kPoll = 20ms;
/// How long drain waits for the registry to accept DOWN before moving on.
constexpr auto kStatusWait = 5s;

registration::RegistryClientOptions client_options(const config::RegistrySettings& registry) {
    registration::RegistryClientOptions options;
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

/// GET /v1/agent/test/sleep?ms=N: a slow request for drain tests of the real binary; only
/// routed when SC_AGENT_TEST_HOOKS=1.
asio::awaitable<net::HttpReply> test_sleep(net::HttpRequest& request, int milliseconds) {
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             std::chrono::milliseconds(milliseconds));
    co_await timer.async_wait(kNoThrow);
    co_return net::make_response(request, net::http::status::ok, "{\"slept\":true}",
                                 "application/json");
}

/// The key of the governance items in the disk snapshot's "extra".
constexpr const char* kGovernanceExtra = "governance";

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

}  // namespace

struct Daemon::Impl {
    Impl(asio::io_context& context, config::LoadedConfig config, DaemonOptions daemon_options)
        : ioc(context),
          loaded(std::move(config)),
          options(std::move(daemon_options)),
          strand(asio::make_strand(context)),
          wait_timer(strand),
          ready_timer(strand),
          watchdog_timer(strand),
          signals(strand) {}

    asio::awaitable<void> wait_until(const std::function<bool()>& done,
                                     std::chrono::milliseconds limit);
    asio::awaitable<void> pause(std::chrono::milliseconds duration);
    asio::awaitable<void> shutdown();
    asio::awaitable<void> announce_ready();
    asio::awaitable<void> watchdog(std::chrono::microseconds timeout);
    asio::awaitable<void> reload_descriptors();
    void wait_signal();
    void on_stop_request();
    void finish();

    asio::io_context& ioc;
    config::LoadedConfig loaded;
    DaemonOptions options;
    asio::strand<asio::io_context::executor_type> strand;
    metrics::MetricsRegistry metrics;
    std::unique_ptr<net::HttpClient> registry_http;
    std::unique_ptr<net::HttpClient> probe_http;
    std::unique_ptr<registration::RegistryClient> client;
    std::unique_ptr<registration::RegistrationMetrics> registration_metrics;
    std::unique_ptr<registration::Registrations> registrations;
    std::unique_ptr<governance::GovernanceMetrics> governance_metrics;
    std::unique_ptr<governance::GovernanceStore> governance;
    std::shared_ptr<governance::GovernedSelector> governed_selector;
    std::unique_ptr<discovery::Discovery> discovery;
    std::unique_ptr<api::LocalApi> local_api;
    SystemdNotifier notifier;
    asio::steady_timer wait_timer;
    asio::steady_timer ready_timer;
    asio::steady_timer watchdog_timer;
    asio::signal_set signals;

    // Strand-only.
    int stop_requests = 0;
    bool immediate = false;
    bool finished = false;
};

asio::awaitable<void> Daemon::Impl::pause(std::chrono::milliseconds duration) {
    if (immediate) {
        co_return;
    }
    wait_timer.expires_after(duration);
    co_await wait_timer.async_wait(kNoThrow);
}

asio::awaitable<void> Daemon::Impl::wait_until(const std::function<bool()>& done,
                                               std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!immediate && !done() && std::chrono::steady_clock::now() < deadline) {
        wait_timer.expires_after(kPoll);
        co_await wait_timer.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Daemon::Impl::shutdown() {
    const auto& drain = loaded.agent.drain;
    notifier.stopping();
    spdlog::info("stopping: marking local instances DOWN");
    registrations->set_draining();
    co_await wait_until([this] { return registrations->settled(); }, kStatusWait);
    if (drain.delay.count() > 0 && !immediate) {
        spdlog::info("stopping: waiting drain.delay {} ms for consumers to see DOWN",
                     drain.delay.count());
    }
    co_await pause(drain.delay);
    spdlog::info("stopping: closing listeners; in-flight requests get {} ms",
                 drain.timeout.count());
    discovery->stop();  // blocking queries answer now instead of holding the drain
    local_api->stop(immediate ? 0ms : drain.timeout);
    co_await wait_until([this] { return local_api->connection_count() == 0; }, drain.timeout);
    spdlog::info("stopping: deregistering");
    co_await registrations->stop_all();
    finish();
}

void Daemon::Impl::finish() {
    finished = true;
    ready_timer.cancel();
    watchdog_timer.cancel();
    wait_timer.cancel();
    boost::system::error_code ignored;
    signals.cancel(ignored);
    if (options.on_stopped) {
        options.on_stopped();
    }
    governance->stop();
    registry_http->close_idle();
    probe_http->close_idle();
    spdlog::info("stopped");
    // Anything still pending (a probe or connection past its grace) is abandoned, not awaited.
    ioc.stop();
}

void Daemon::Impl::on_stop_request() {
    ++stop_requests;
    if (stop_requests == 1) {
        asio::co_spawn(strand, shutdown(), [this](std::exception_ptr error) {
            if (error) {
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    spdlog::error("stopping failed: {}", e.what());
                }
                finish();
            }
        });
        return;
    }
    spdlog::warn("second stop request: deregistering and exiting now");
    immediate = true;
    wait_timer.cancel();
}

asio::awaitable<void> Daemon::Impl::announce_ready() {
    while (!finished && stop_requests == 0) {
        const auto reason = registrations->not_ready_reason();
        if (!reason) {
            const auto status =
                "registered " + std::to_string(loaded.services.size()) + " local service(s)";
            spdlog::info("ready: {}", status);
            notifier.ready(status);
            co_return;
        }
        if (registrations->retrying()) {
            spdlog::warn("ready, still retrying registration: {}", *reason);
            notifier.ready("registry unreachable, retrying: " + *reason);
            co_return;
        }
        ready_timer.expires_after(50ms);
        co_await ready_timer.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Daemon::Impl::watchdog(std::chrono::microseconds timeout) {
    while (!finished) {
        notifier.watchdog();
        watchdog_timer.expires_after(timeout / 2);
        co_await watchdog_timer.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Daemon::Impl::reload_descriptors() {
    if (stop_requests > 0) {
        co_return;
    }
    governance->reload();
    spdlog::info("reloading service descriptors");
    config::Diagnostics diagnostics;
    auto descriptors = config::load_service_descriptors(loaded.agent, diagnostics, options.load);
    std::set<std::string> broken;
    for (const auto& item : diagnostics.items()) {
        spdlog::error("{}", item.to_string());
        broken.insert(item.where.file);
    }
    const auto summary = co_await registrations->reload(std::move(descriptors), broken);
    const auto list = [](const std::vector<std::string>& items) {
        std::string out;
        for (const auto& item : items) {
            out += (out.empty() ? "" : ", ") + item;
        }
        return out.empty() ? std::string("-") : out;
    };
    spdlog::info("reload: added {}; removed {}; changed {}; kept (invalid file) {}",
                 list(summary.added), list(summary.removed), list(summary.changed),
                 list(summary.kept));
}

void Daemon::Impl::wait_signal() {
    signals.async_wait([this](const boost::system::error_code& error, int signal) {
        if (error || finished) {
            return;
        }
        if (signal == SIGHUP) {
            asio::co_spawn(strand, reload_descriptors(), asio::detached);
        } else {
            spdlog::info("signal {}", signal);
            on_stop_request();
        }
        wait_signal();
    });
}

Daemon::Daemon(asio::io_context& ioc, config::LoadedConfig loaded, DaemonOptions options)
    : impl_(std::make_unique<Impl>(ioc, std::move(loaded), std::move(options))) {}

Daemon::~Daemon() = default;

void Daemon::request_stop() {
    asio::post(impl_->strand, [impl = impl_.get()] { impl->on_stop_request(); });
}

void Daemon::reload() {
    asio::co_spawn(impl_->strand, impl_->reload_descriptors(), asio::detached);
}

int Daemon::run() {
    auto& d = *impl_;
    const auto& agent = d.loaded.agent;
    try {
        net::HttpClientOptions http;
        http.tls = net::TlsOptions{agent.registry.tls.ca_file, agent.registry.tls.cert_file,
                                   agent.registry.tls.key_file, agent.registry.tls.verify};
        d.registry_http = std::make_unique<net::HttpClient>(http);
        d.probe_http = std::make_unique<net::HttpClient>(net::HttpClientOptions{});
    } catch (const std::exception& e) {
        spdlog::error("registry.tls: {}", e.what());
        return kExitConfig;
    }
    auto registry_options = client_options(agent.registry);
    if (d.options.token_lifetime) {
        registry_options.token_lifetime = *d.options.token_lifetime;
    }
    d.client = std::make_unique<registration::RegistryClient>(
        *d.registry_http, plugins::system_clock(), std::move(registry_options));
    d.registration_metrics = std::make_unique<registration::RegistrationMetrics>(d.metrics);
    d.client->set_observer(d.registration_metrics->observer());

    registration::RegistrarOptions registrar_options;
    registrar_options.hostname = registration::system_hostname();
    registrar_options.heartbeat_scale = d.options.heartbeat_scale;
    if (advertises_any_address(d.loaded.services)) {
        registrar_options.advertise_address = registration::advertise_address();
    }
    d.registrations = std::make_unique<registration::Registrations>(
        d.strand, *d.client, *d.probe_http, *d.registration_metrics, registrar_options);

    // Governance before the local API, which serves it (DESIGN.md lifecycle).
    d.governance_metrics = std::make_unique<governance::GovernanceMetrics>(d.metrics);
    d.governance = std::make_unique<governance::GovernanceStore>(
        d.ioc.get_executor(), *d.registry_http, d.governance_metrics.get(),
        governance::store_options(agent, d.loaded.services));
    restore_governance(*d.governance, agent.cache.snapshot_path);

    // The provider cache (disk snapshot first) before the local API, which serves it. The
    // snapshot also carries the governance items, so a restart during an outage keeps both.
    auto discovery_options = discovery::discovery_options(agent, d.loaded.services);
    discovery_options.snapshot_extra = [store = d.governance.get()] {
        return nlohmann::json{{kGovernanceExtra, governance::inputs_to_json(store->inputs())}};
    };
    d.discovery = std::make_unique<discovery::Discovery>(
        d.ioc.get_executor(), *d.client, d.metrics.registry(),
        [registrations = d.registrations.get()] {
            return discovery::first_service_id(registrations->states());
        },
        std::move(discovery_options));
    d.governance->set_on_change(
        [discovery = d.discovery.get()](const auto&) { discovery->note_snapshot_change(); });
    d.governance->start();
    // `select` follows the governance of the target service (route rule, isolation, LB).
    d.governed_selector = std::make_shared<governance::GovernedSelector>(
        [store = d.governance.get()] { return store->snapshot(); }, plugins::system_clock(),
        d.governance_metrics.get(), std::random_device{}());
    d.discovery->set_selector(
        std::make_unique<governance::GovernedInstanceSelector>(d.governed_selector));
    d.discovery->add_outcome_listener(
        [selector = d.governed_selector](std::string_view service, std::string_view instance_id,
                                         bool success, std::chrono::milliseconds latency) {
            selector->record_outcome(service, instance_id, success, latency);
        });
    d.discovery->start();

    d.local_api = std::make_unique<api::LocalApi>(d.ioc, agent.listen.api, agent.listen.metrics);
    auto* registrations = d.registrations.get();
    auto* metrics = &d.metrics;
    api::add_admin_routes(
        d.local_api->router(),
        api::AdminSource{
            [registrations] { return registrations->states(); },
            [registrations](const std::string& name, bool enable, const std::string& reason) {
                return registrations->set_maintenance(name, enable, reason);
            },
            [registrations] { return registrations->not_ready_reason(); },
            [metrics] { return metrics->exposition(); }});
    api::add_governance_routes(d.local_api->router(),
                               [store = d.governance.get()] { return store->view(); });
    api::add_discovery_routes(
        d.local_api->router(), *d.discovery,
        [defaults = api::discovery_defaults(d.loaded.services)] { return defaults; });
    api::add_metrics_route(d.local_api->metrics_router(),
                           [metrics] { return metrics->exposition(); });
    if (const char* hooks = std::getenv("SC_AGENT_TEST_HOOKS");
        hooks && std::string(hooks) == "1") {
        d.local_api->router().add(net::http::verb::get, "/v1/agent/test/sleep",
                                  [](net::RouteContext& ctx) {
                                      const int ms = std::stoi(ctx.query("ms").value_or("1000"));
                                      return test_sleep(ctx.request(), ms);
                                  });
    }
    try {
        d.local_api->start();
    } catch (const std::exception& e) {
        spdlog::error("cannot start the local API: {}", e.what());
        return kExitFatal;
    }
    spdlog::info("local API on port {}", d.local_api->port());

    d.registrations->start(d.loaded.services);
    asio::co_spawn(d.strand, d.announce_ready(), asio::detached);
    if (const auto timeout = d.notifier.watchdog_timeout()) {
        asio::co_spawn(d.strand, d.watchdog(*timeout), asio::detached);
    }
    if (d.options.handle_signals) {
        d.signals.add(SIGINT);
        d.signals.add(SIGTERM);
        d.signals.add(SIGHUP);
        d.wait_signal();
    }
    if (d.options.on_started) {
        asio::post(d.strand, [&d] { d.options.on_started(d.local_api->port()); });
    }

    std::vector<std::thread> workers;
    for (int i = 1; i < agent.threads; ++i) {
        workers.emplace_back([&d] { d.ioc.run(); });
    }
    d.ioc.run();
    for (auto& worker : workers) {
        worker.join();
    }
    return kExitOk;
}

int run_daemon(config::LoadedConfig loaded, DaemonOptions options) {
    asio::io_context ioc(loaded.agent.threads);
    Daemon daemon(ioc, std::move(loaded), std::move(options));
    return daemon.run();
}

}  // namespace scagent::app
