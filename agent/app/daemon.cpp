#include "agent/app/daemon.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <exception>
#include <set>
#include <thread>

#include "agent/app/agent_components.hpp"
#include "agent/app/commands.hpp"
#include "agent/app/systemd_notify.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/event.hpp"
#include "agent/runtime/free_memory.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::app {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using runtime::kNoThrow;
/// How long drain waits for the registry to accept DOWN before moving on.
constexpr auto kStatusWait = 5s;

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out.empty() ? std::string("-") : out;
}

}  // namespace

struct Daemon::Impl {
    Impl(asio::io_context& context, config::LoadedConfig config, DaemonOptions daemon_options)
        : ioc(context),
          loaded(std::move(config)),
          options(std::move(daemon_options)),
          strand(asio::make_strand(context)),
          supervisor(&metrics.registry(), options.supervisor),
          signals(strand) {}

    bool build();
    bool start_components();
    asio::awaitable<void> stop_components();
    asio::awaitable<void> stop_after_failed_start();
    asio::awaitable<void> pause(std::chrono::milliseconds duration);
    asio::awaitable<void> shutdown();
    asio::awaitable<void> announce_ready();
    asio::awaitable<void> watchdog(std::chrono::microseconds timeout);
    asio::awaitable<void> handle_signals();
    asio::awaitable<void> reload_descriptors();
    void on_stop_request();
    void on_registration_change();
    std::optional<std::string> not_ready_reason() const;

    asio::io_context& ioc;
    config::LoadedConfig loaded;
    DaemonOptions options;
    asio::strand<asio::io_context::executor_type> strand;
    metrics::MetricsRegistry metrics;
    runtime::Supervisor supervisor;
    std::unique_ptr<AgentComponents> components;
    std::vector<runtime::Component*> started;  ///< in start order
    SystemdNotifier notifier;
    asio::signal_set signals;
    runtime::TaskGroup tasks;  ///< the daemon's own coroutines (signals, readiness, drain)
    runtime::Event stop_requested;
    runtime::Event hurry;  ///< a second stop request: skip the remaining waits
    std::atomic<bool> draining{false};

    // Strand-only.
    int stop_requests = 0;
    bool ready_sent = false;
    bool retry_status_sent = false;
    std::string consumer_id;  ///< last seen first_service_id()
};

std::optional<std::string> Daemon::Impl::not_ready_reason() const {
    if (draining) {
        return "draining: the agent is stopping";
    }
    if (auto fault = supervisor.fault()) {
        return fault;
    }
    return components->registrations->not_ready_reason();
}

bool Daemon::Impl::build() {
    ComponentSettings settings;
    settings.not_ready_reason = [this] { return not_ready_reason(); };
    settings.heartbeat_scale = options.heartbeat_scale;
    settings.token_lifetime = options.token_lifetime;
    settings.policy_clock = options.policy_clock;
    try {
        components = std::make_unique<AgentComponents>(ioc, loaded, metrics, supervisor, settings);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return false;
    }
    components->registrations->set_on_change(
        [this] { asio::post(strand, [this] { on_registration_change(); }); });
    return true;
}

bool Daemon::Impl::start_components() {
    for (auto* component : components->ordered()) {
        try {
            component->start();
        } catch (const std::exception& e) {
            spdlog::error("cannot start the {}: {}", component->name(), e.what());
            return false;
        }
        started.push_back(component);  // stopped in reverse, whatever happens next
    }
    spdlog::info("local API on port {}", components->local_api->port());
    return true;
}

asio::awaitable<void> Daemon::Impl::stop_components() {
    while (!started.empty()) {
        auto* component = started.back();
        started.pop_back();
        spdlog::debug("stopping the {}", component->name());
        co_await component->stop();
    }
}

asio::awaitable<void> Daemon::Impl::pause(std::chrono::milliseconds duration) {
    asio::steady_timer timer(strand, duration);
    co_await (timer.async_wait(kNoThrow) || hurry.async_wait(kNoThrow));
}

// What did start stops again, in reverse, and whatever shares the io_context with the daemon
// (`sc-agent dev`'s embedded registry) is told so through on_stopped: otherwise it would keep
// run() going, and a port already in use would leave a registry running without an agent.
asio::awaitable<void> Daemon::Impl::stop_after_failed_start() {
    co_await stop_components();
    if (options.on_stopped) {
        options.on_stopped();
    }
    components->registry_http->close_idle();
    components->probe_http->close_idle();
}

asio::awaitable<void> Daemon::Impl::shutdown() {
    const auto& drain = loaded.agent.drain;
    auto& parts = *components;
    notifier.stopping();
    draining = true;
    spdlog::info("stopping: marking local instances DOWN");
    parts.registrations->set_draining();
    {
        asio::steady_timer limit(strand, kStatusWait);
        co_await (parts.registrations->settled().async_wait(kNoThrow) ||
                  limit.async_wait(kNoThrow) || hurry.async_wait(kNoThrow));
    }
    if (drain.delay.count() > 0 && !hurry.is_set()) {
        spdlog::info("stopping: waiting drain.delay {} ms for consumers to see DOWN",
                     drain.delay.count());
        notifier.status("draining: instances DOWN, waiting drain.delay");
        co_await pause(drain.delay);
    }
    spdlog::info("stopping: closing listeners; in-flight requests get {} ms",
                 drain.timeout.count());
    notifier.status("draining: listeners closed, finishing requests in flight");
    parts.discovery->release_waiters();  // blocking queries answer now, not at their wait
    co_await stop_components();
    if (options.on_stopped) {
        options.on_stopped();
    }
    parts.registry_http->close_idle();
    parts.probe_http->close_idle();
    // The daemon's own coroutines (signals, readiness, watchdog) end; so does run().
    boost::system::error_code ignored;
    signals.cancel(ignored);
    stop_requested.set();
    tasks.cancel();
    spdlog::info("stopped");
}

void Daemon::Impl::on_stop_request() {
    ++stop_requests;
    if (stop_requests == 1) {
        stop_requested.set();
        tasks.spawn(strand, shutdown(), "shutdown");
        return;
    }
    spdlog::warn("second stop request: deregistering and exiting now");
    hurry.set();
    components->local_api->hurry();
    components->proxy->hurry();
}

void Daemon::Impl::on_registration_change() {
    if (auto consumer = components->registrations->first_service_id(); consumer != consumer_id) {
        consumer_id = std::move(consumer);
        components->discovery->consumer_changed();
    }
    if (ready_sent || retry_status_sent || !components->registrations->retrying()) {
        return;
    }
    // Not READY (systemd keeps the unit "activating"), but an operator sees why.
    const auto reason = components->registrations->not_ready_reason().value_or("");
    spdlog::warn("registration is retrying: {}", reason);
    notifier.status("registry unreachable, retrying: " + reason);
    retry_status_sent = true;
}

asio::awaitable<void> Daemon::Impl::announce_ready() {
    const auto woken = co_await (components->registrations->registered().async_wait(kNoThrow) ||
                                 stop_requested.async_wait(kNoThrow));
    if (woken.index() != 0 || stop_requested.is_set()) {
        co_return;
    }
    const auto status =
        "registered " + std::to_string(loaded.services.size()) + " local service(s)";
    spdlog::info("ready: {}", status);
    notifier.ready(status);
    ready_sent = true;
}

asio::awaitable<void> Daemon::Impl::watchdog(std::chrono::microseconds timeout) {
    asio::steady_timer timer(strand);
    for (;;) {
        notifier.watchdog();
        // Half the interval, as systemd advises; never below a millisecond, so a tiny
        // WatchdogSec cannot turn this loop into a busy one.
        timer.expires_after(
            std::max<std::chrono::microseconds>(timeout / 2, std::chrono::milliseconds(1)));
        const auto [ec] = co_await timer.async_wait(kNoThrow);
        if (ec) {
            co_return;
        }
    }
}

asio::awaitable<void> Daemon::Impl::handle_signals() {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.add(SIGHUP);
    for (;;) {
        const auto [ec, signal] = co_await signals.async_wait(kNoThrow);
        if (ec) {
            co_return;
        }
        if (signal == SIGHUP) {
            tasks.spawn(strand, reload_descriptors(), "reload");
        } else {
            spdlog::info("signal {}", signal);
            on_stop_request();
        }
    }
}

asio::awaitable<void> Daemon::Impl::reload_descriptors() {
    if (stop_requests > 0) {
        co_return;
    }
    // Only a unit systemd already saw READY can be "reloading"; before that, READY=1 after the
    // reload would claim registrations that have not happened.
    const bool announce = ready_sent;
    if (announce) {
        notifier.reloading("reloading service descriptors and the governance file");
    }
    components->governance->reload();
    spdlog::info("reloading service descriptors");
    config::Diagnostics diagnostics;
    auto descriptors = config::load_service_descriptors(loaded.agent, diagnostics, options.load);
    std::set<std::string> broken;
    for (const auto& item : diagnostics.items()) {
        spdlog::error("{}", item.to_string());
        broken.insert(item.where.file);
    }
    const auto summary = co_await components->registrations->reload(std::move(descriptors), broken);
    spdlog::info("reload: added {}; removed {}; changed {}; kept (invalid file) {}",
                 joined(summary.added), joined(summary.removed), joined(summary.changed),
                 joined(summary.kept));
    if (announce && stop_requests == 0) {
        notifier.ready("reloaded: " + std::to_string(summary.added.size()) + " added, " +
                       std::to_string(summary.removed.size()) + " removed, " +
                       std::to_string(summary.changed.size()) + " changed, " +
                       std::to_string(summary.kept.size()) + " kept (invalid file)");
    }
}

Daemon::Daemon(asio::io_context& ioc, config::LoadedConfig loaded, DaemonOptions options)
    : impl_(std::make_unique<Impl>(ioc, std::move(loaded), std::move(options))) {}

Daemon::~Daemon() = default;

void Daemon::request_stop() {
    asio::post(impl_->strand, [impl = impl_.get()] { impl->on_stop_request(); });
}

void Daemon::reload() {
    asio::post(impl_->strand, [impl = impl_.get()] {
        impl->tasks.spawn(impl->strand, impl->reload_descriptors(), "reload");
    });
}

int Daemon::run() {
    auto& d = *impl_;
    if (!d.build()) {
        return kExitConfig;
    }
    int code = kExitOk;
    if (d.start_components()) {
        d.tasks.spawn(d.strand, d.announce_ready(), "readiness");
        if (const auto timeout = d.notifier.watchdog_timeout()) {
            d.tasks.spawn(d.strand, d.watchdog(*timeout), "watchdog");
        }
        if (d.options.handle_signals) {
            d.tasks.spawn(d.strand, d.handle_signals(), "signals");
        }
        if (d.options.on_started) {
            asio::post(d.strand, [&d] {
                d.options.on_started(
                    ListeningPorts{d.components->local_api->port(), d.components->proxy->ports()});
            });
        }
    } else {
        // What did start stops again, in reverse; then run() ends for want of work.
        code = kExitFatal;
        d.tasks.spawn(d.strand, d.stop_after_failed_start(), "stop after a failed start");
    }

    std::vector<std::thread> workers;
    for (int i = 1; i < d.loaded.agent.threads; ++i) {
        workers.emplace_back([&d] { d.ioc.run(); });
    }
    d.ioc.run();
    for (auto& worker : workers) {
        worker.join();
    }
    return code;
}

int run_daemon(config::LoadedConfig loaded, DaemonOptions options) {
    runtime::configure_allocator();
    asio::io_context ioc(loaded.agent.threads);
    Daemon daemon(ioc, std::move(loaded), std::move(options));
    return daemon.run();
}

}  // namespace scagent::app
