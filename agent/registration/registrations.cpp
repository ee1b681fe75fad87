#include "agent/registration/registrations.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "plugins/api/text.hpp"

namespace scagent::registration {
namespace {

namespace asio = boost::asio;

}  // namespace

std::string fingerprint(const config::ServiceDescriptor& d) {
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& path : d.service.paths) {
        paths.push_back({path.path, path.property});
    }
    nlohmann::json check = nullptr;
    if (d.check) {
        check = {static_cast<int>(d.check->kind), d.check->target, d.check->interval.count(),
                 d.check->timeout.count(),        d.check->rise,   d.check->fall};
    }
    const auto& dc = d.instance.data_center;
    const nlohmann::json all = {d.service.app,
                                d.service.name,
                                d.service.version,
                                d.service.environment,
                                d.service.description,
                                d.service.level,
                                d.service.properties,
                                d.service.instance_properties,
                                d.service.schemas,
                                paths,
                                d.instance.endpoints,
                                d.instance.hostname,
                                dc.name,
                                dc.region,
                                dc.available_zone,
                                d.instance.health_check.interval,
                                d.instance.health_check.times,
                                check};
    return plugins::dump_json(all);
}

Registrations::Registrations(asio::any_io_executor strand, RegistryClient& client,
                             net::HttpTransport& probe_http, RegistrationMetrics& metrics,
                             RegistrarOptions options,
                             std::vector<config::ServiceDescriptor> descriptors)
    : strand_(strand),
      client_(client),
      probe_http_(probe_http),
      metrics_(metrics),
      options_(std::move(options)),
      initial_(std::move(descriptors)) {
    options_.on_change = [this] { update_events(); };
}

void Registrations::update_events() {
    bool all_registered = true;
    bool all_settled = true;
    for (const auto& registrar : snapshot()) {
        all_registered = all_registered && registrar->state().registered;
        all_settled = all_settled && registrar->status_settled();
    }
    all_registered ? registered_.set() : registered_.reset();
    all_settled ? settled_.set() : settled_.reset();
    if (on_change_) {
        on_change_();
    }
}

std::shared_ptr<Registrar> Registrations::make_registrar(config::ServiceDescriptor descriptor) {
    return std::make_shared<Registrar>(strand_, client_, probe_http_, metrics_,
                                       std::move(descriptor), options_);
}

std::vector<std::shared_ptr<Registrar>> Registrations::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Registrar>> out;
    for (const auto& [identity, registrar] : registrars_) {
        out.push_back(registrar);
    }
    return out;
}

void Registrations::start() {
    for (const auto& descriptor : initial_) {
        auto registrar = make_registrar(descriptor);
        {
            std::lock_guard lock(mutex_);
            registrars_[descriptor.identity()] = registrar;
            fingerprints_[descriptor.identity()] = fingerprint(descriptor);
        }
        registrar->start();
    }
    scheduler_ =
        std::make_shared<HeartbeatScheduler>(strand_, client_, [this] { return snapshot(); });
    scheduler_->start(tasks_, *options_.supervisor);
    asio::post(strand_, [this] { update_events(); });  // nothing to register: ready at once
}

asio::awaitable<ReloadSummary> Registrations::reload(std::vector<config::ServiceDescriptor> loaded,
                                                     std::set<std::string> broken_files) {
    ReloadSummary summary;
    std::map<std::string, config::ServiceDescriptor> wanted;
    for (auto& descriptor : loaded) {
        const auto identity = descriptor.identity();
        wanted.emplace(identity, std::move(descriptor));
    }
    std::vector<std::shared_ptr<Registrar>> to_stop;
    std::vector<config::ServiceDescriptor> to_start;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [identity, registrar] : registrars_) {
            const auto found = wanted.find(identity);
            if (found == wanted.end()) {
                if (broken_files.contains(registrar->descriptor().source_file)) {
                    summary.kept.push_back(identity);
                } else {
                    summary.removed.push_back(identity);
                    to_stop.push_back(registrar);
                }
            } else if (fingerprint(found->second) != fingerprints_[identity]) {
                summary.changed.push_back(identity);
                to_stop.push_back(registrar);
                to_start.push_back(found->second);
            }
        }
        for (auto& [identity, descriptor] : wanted) {
            if (!registrars_.contains(identity)) {
                summary.added.push_back(identity);
                to_start.push_back(descriptor);
            }
        }
    }
    for (const auto& registrar : to_stop) {
        // On the registrars' strand, as stop() does: the registrar's loop state is strand-only,
        // and reload() runs on the daemon's strand.
        auto stopping = registrar->stop_and_deregister();
        co_await asio::co_spawn(strand_, std::move(stopping), asio::use_awaitable);
        std::lock_guard lock(mutex_);
        registrars_.erase(registrar->descriptor().identity());
        fingerprints_.erase(registrar->descriptor().identity());
    }
    update_events();
    for (auto& descriptor : to_start) {
        auto registrar = make_registrar(descriptor);
        {
            std::lock_guard lock(mutex_);
            registrars_[descriptor.identity()] = registrar;
            fingerprints_[descriptor.identity()] = fingerprint(descriptor);
        }
        registrar->start();
    }
    co_return summary;
}

std::vector<RegistrarState> Registrations::states() const {
    std::vector<RegistrarState> out;
    for (const auto& registrar : snapshot()) {
        out.push_back(registrar->state());
    }
    return out;
}

std::string Registrations::first_service_id() const {
    for (const auto& state : states()) {
        if (!state.service_id.empty()) {
            return state.service_id;
        }
    }
    return {};
}

bool Registrations::set_maintenance(const std::string& name, bool enable,
                                    const std::string& reason) {
    bool found = false;
    for (const auto& registrar : snapshot()) {
        if (registrar->descriptor().service.name == name) {
            registrar->set_maintenance(enable, reason);
            found = true;
        }
    }
    return found;
}

std::optional<std::string> Registrations::not_ready_reason() const {
    std::string reason;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& state : states()) {
        const auto detail = state.last_error.empty() ? "" : " (" + state.last_error + ")";
        if (!state.registered) {
            reason += (reason.empty() ? "" : "; ") + state.name + " not registered" + detail;
        } else if (state.lease.count() > 0 && now - state.lease_renewed_at > state.lease) {
            // An outage longer than the lease: consumers no longer find this instance, whatever
            // the agent last heard. Ready again with the next accepted heartbeat or
            // re-registration.
            const auto silent =
                std::chrono::duration_cast<std::chrono::seconds>(now - state.lease_renewed_at);
            reason += (reason.empty() ? "" : "; ") + state.name + " lease lapsed: no heartbeat " +
                      "accepted for " + std::to_string(silent.count()) + "s, longer than its " +
                      std::to_string(state.lease.count()) + "s lease" + detail;
        }
    }
    if (reason.empty()) {
        return std::nullopt;
    }
    return reason;
}

bool Registrations::retrying() const {
    for (const auto& state : states()) {
        if (!state.registered && state.failed_attempts > 0) {
            return true;
        }
    }
    return false;
}

void Registrations::set_draining() {
    for (const auto& registrar : snapshot()) {
        registrar->set_draining();
    }
    update_events();  // settled() now waits for DOWN to reach the registry
}

asio::awaitable<void> Registrations::stop() {
    if (scheduler_) {
        scheduler_->stop();
    }
    // Deregister concurrently: one slow registry answer must not hold up the others.
    const auto registrars = snapshot();
    if (!registrars.empty()) {
        using Op =
            decltype(asio::co_spawn(strand_, registrars[0]->stop_and_deregister(), asio::deferred));
        std::vector<Op> ops;
        for (const auto& registrar : registrars) {
            ops.push_back(
                asio::co_spawn(strand_, registrar->stop_and_deregister(), asio::deferred));
        }
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    }
    // Nothing of ours may still be waiting on the registry when the daemon tears down.
    tasks_.cancel();
    co_await tasks_.wait();
}

}  // namespace scagent::registration
