#include "agent/registration/registrar.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

#include "agent/registration/host_identity.hpp"
#include "agent/runtime/asio_tokens.hpp"

namespace scagent::registration {
namespace {

namespace asio = boost::asio;
namespace codes = sc::codes;
using runtime::kNoThrow;

std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
}

}  // namespace

Registrar::Registrar(asio::any_io_executor strand, RegistryClient& client,
                     net::HttpTransport& probe_http, RegistrationMetrics& metrics,
                     config::ServiceDescriptor descriptor, RegistrarOptions options)
    : strand_(strand),
      client_(client),
      metrics_(metrics),
      descriptor_(std::move(descriptor)),
      options_(std::move(options)),
      heartbeat_period_(registration::heartbeat_period(descriptor_.instance.health_check.interval,
                                                       descriptor_.instance.health_check.times,
                                                       options_.heartbeat_scale)),
      wake_(strand),
      rng_(random_seed()) {
    state_.app = descriptor_.service.app;
    state_.name = descriptor_.service.name;
    state_.version = descriptor_.service.version;
    state_.environment = descriptor_.service.environment;
    state_.status = desired_status();
    state_.lease = std::chrono::seconds(descriptor_.instance.health_check.interval *
                                        (descriptor_.instance.health_check.times + 1));
    if (descriptor_.check) {
        probe_ = std::make_shared<HealthProbe>(strand, probe_http, *descriptor_.check,
                                               [this](AppHealth health) {
                                                   {
                                                       std::lock_guard lock(mutex_);
                                                       health_ = health;
                                                   }
                                                   wake();
                                               });
    }
}

void Registrar::start() {
    metrics_.set_registered(descriptor_.service.name, false);
    auto& supervisor = *options_.supervisor;
    supervisor.spawn(tasks_, strand_, "registration " + descriptor_.service.name,
                     [self = shared_from_this()](runtime::Supervisor::Checkpoint checkpoint) {
                         return self->loop(std::move(checkpoint));
                     });
    if (probe_) {
        probe_->start(tasks_, supervisor);
    }
}

void Registrar::changed() const {
    if (options_.on_change) {
        options_.on_change();
    }
}

std::string Registrar::desired_status() const {
    if (draining_) {
        return "DOWN";
    }
    if (state_.maintenance) {
        return "OUTOFSERVICE";
    }
    if (!descriptor_.check) {
        return "UP";
    }
    switch (health_) {
        case AppHealth::kUp:
            return "UP";
        case AppHealth::kDown:
            return "DOWN";
        case AppHealth::kUnknown:
            break;
    }
    return "STARTING";
}

void Registrar::wake() {
    asio::post(strand_, [self = shared_from_this()] {
        self->dirty_ = true;
        self->wake_.cancel();
    });
}

asio::awaitable<void> Registrar::sleep(Millis duration) {
    wake_.expires_after(duration);
    co_await wake_.async_wait(kNoThrow);
}

void Registrar::set_maintenance(bool enable, std::string reason) {
    {
        std::lock_guard lock(mutex_);
        state_.maintenance = enable;
        state_.maintenance_reason = enable ? std::move(reason) : std::string();
    }
    spdlog::info("{}: maintenance {}", descriptor_.service.name, enable ? "on" : "off");
    wake();
}

void Registrar::set_draining() {
    {
        std::lock_guard lock(mutex_);
        draining_ = true;
    }
    wake();
}

bool Registrar::status_settled() const {
    std::lock_guard lock(mutex_);
    return !state_.registered || state_.status == desired_status();
}

RegistrarState Registrar::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::optional<sc::HeartbeatEntry> Registrar::heartbeat_target() const {
    std::lock_guard lock(mutex_);
    if (!state_.registered || stopping_) {
        return std::nullopt;
    }
    return sc::HeartbeatEntry{state_.service_id, state_.instance_id, {}};
}

void Registrar::fail(const sc::RegistryError& error, const char* what) {
    std::lock_guard lock(mutex_);
    state_.last_error = std::string(what) + ": " + error.describe();
    if (error.is(codes::kInstanceNotExists) || error.is(codes::kServiceNotExists)) {
        gone_ = error.is(codes::kServiceNotExists) ? Gone::kService : Gone::kInstance;
        state_.registered = false;
    }
}

void Registrar::on_heartbeat(const sc::Result<void>& result) {
    const auto& name = descriptor_.service.name;
    if (result) {
        std::lock_guard lock(mutex_);
        state_.last_heartbeat = std::chrono::system_clock::now();
        state_.lease_renewed_at = std::chrono::steady_clock::now();
        state_.last_error.clear();
        metrics_.count_heartbeat(name, "ok");
        return;
    }
    const auto& error = result.error();
    const bool instance_gone = error.is(codes::kInstanceNotExists);
    const bool service_gone = error.is(codes::kServiceNotExists);
    metrics_.count_heartbeat(name, instance_gone                ? "instance_gone"
                                   : service_gone               ? "service_gone"
                                   : error.server_unavailable() ? "unavailable"
                                                                : "error");
    if (instance_gone || service_gone) {
        spdlog::warn("{}: heartbeat: {}; registering again", name, error.describe());
        metrics_.set_registered(name, false);
    } else {
        // The instance probably still exists; the next heartbeat tells, and the lease
        // tolerates several missed ones.
        spdlog::warn("{}: heartbeat failed: {}", name, error.describe());
    }
    fail(error, "heartbeat");
    wake();
}

sc::MicroServiceInstance Registrar::instance_body(const std::string& status) const {
    sc::MicroServiceInstance instance;
    instance.instance_id = state_.instance_id;
    instance.endpoints =
        advertised_endpoints(descriptor_.instance.endpoints, options_.advertise_address);
    instance.host_name =
        descriptor_.instance.hostname.empty() ? options_.hostname : descriptor_.instance.hostname;
    instance.status = status;
    instance.properties = descriptor_.service.instance_properties;
    instance.version = descriptor_.service.version;
    instance.health_check = sc::HealthCheck{"push", 0, descriptor_.instance.health_check.interval,
                                            descriptor_.instance.health_check.times, ""};
    const auto& dc = descriptor_.instance.data_center;
    if (!dc.name.empty()) {
        instance.data_center_info = sc::DataCenterInfo{dc.name, dc.region, dc.available_zone};
    }
    return instance;
}

asio::awaitable<sc::Result<void>> Registrar::create_service() {
    sc::MicroService service;
    service.app_id = descriptor_.service.app;
    service.service_name = descriptor_.service.name;
    service.version = descriptor_.service.version;
    service.environment = descriptor_.service.environment;
    service.description = descriptor_.service.description;
    service.level = descriptor_.service.level;
    service.schemas = descriptor_.service.schemas;
    service.properties = descriptor_.service.properties;
    service.register_by = "SIDECAR";
    auto created = co_await client_.create_service(service);
    if (!created) {
        co_return created.error();
    }
    // Create-or-get answers an existing service without touching it: bring its properties
    // in line with the descriptor.
    if (!descriptor_.service.properties.empty()) {
        auto updated =
            co_await client_.set_service_properties(*created, descriptor_.service.properties);
        if (!updated) {
            co_return updated.error();
        }
    }
    std::lock_guard lock(mutex_);
    state_.service_id = *created;
    gone_ = Gone::kInstance;
    co_return sc::Result<void>{};
}

asio::awaitable<sc::Result<void>> Registrar::register_once(bool service_recreated) {
    if (gone_ == Gone::kService) {
        auto created = co_await create_service();
        if (!created) {
            co_return created;
        }
    }
    std::string status;
    sc::MicroServiceInstance body;
    std::string service_id;
    {
        std::lock_guard lock(mutex_);
        status = desired_status();
        body = instance_body(status);
        service_id = state_.service_id;
    }
    registering_ = true;
    struct Done {
        bool& flag;
        ~Done() { flag = false; }
    } done{registering_};  // also when the call throws
    auto registered = co_await client_.register_instance(service_id, body);
    if (!registered && registered.error().is(codes::kServiceNotExists) && !service_recreated &&
        !stopping_) {
        gone_ = Gone::kService;
        co_return co_await register_once(true);
    }
    if (!registered) {
        co_return registered.error();
    }
    std::lock_guard lock(mutex_);
    const bool reused = !state_.instance_id.empty() && state_.instance_id == *registered;
    state_.instance_id = *registered;
    state_.status = status;
    state_.registered = true;
    state_.lease_renewed_at = std::chrono::steady_clock::now();
    state_.last_error.clear();
    state_.failed_attempts = 0;
    gone_ = Gone::kNothing;
    spdlog::info("{}: registered instance {} ({}) of service {} as {}", descriptor_.service.name,
                 state_.instance_id, reused ? "same id" : "new id", state_.service_id, status);
    co_return sc::Result<void>{};
}

asio::awaitable<void> Registrar::loop(runtime::Supervisor::Checkpoint checkpoint) {
    auto keep_alive = shared_from_this();
    const auto& name = descriptor_.service.name;
    while (!stopping_) {
        checkpoint();
        changed();
        dirty_ = false;
        bool registered = false;
        std::string desired;
        std::string reported;
        {
            std::lock_guard lock(mutex_);
            registered = state_.registered;
            desired = desired_status();
            reported = state_.status;
        }
        if (!registered) {
            const auto result = co_await register_once();
            if (stopping_) {
                break;
            }
            if (!result) {
                fail(result.error(), "register");
                const auto wait = backoff_.next(rng_);
                {
                    std::lock_guard lock(mutex_);
                    ++state_.failed_attempts;
                }
                spdlog::warn("{}: registration failed: {}; retrying in {} ms", name,
                             result.error().describe(), wait.count());
                co_await sleep(wait);
                continue;
            }
            backoff_.reset();
            metrics_.set_registered(name, true);
            continue;
        }
        if (desired != reported) {
            std::string service_id;
            std::string instance_id;
            {
                std::lock_guard lock(mutex_);
                service_id = state_.service_id;
                instance_id = state_.instance_id;
            }
            const auto result =
                co_await client_.set_instance_status(service_id, instance_id, desired);
            if (result) {
                std::lock_guard lock(mutex_);
                state_.status = desired;
                spdlog::info("{}: status {}", name, desired);
                backoff_.reset();
                continue;
            }
            fail(result.error(), "status");
            if (!state().registered) {
                metrics_.set_registered(name, false);
                continue;
            }
            co_await sleep(backoff_.next(rng_));
            continue;
        }
        if (dirty_) {
            continue;
        }
        co_await sleep(Millis(std::chrono::hours(24)));
    }
}

asio::awaitable<void> Registrar::stop_and_deregister() {
    auto keep_alive = shared_from_this();
    stopping_ = true;
    wake_.cancel();
    if (probe_) {
        probe_->stop();
    }
    // A registry call in flight is abandoned (its answer no longer matters, and at shutdown it
    // must not hold up the exit), except a registration: the registry may create the instance
    // anyway, and an instance nobody deregisters stays UP for consumers until its lease ends.
    // Its answer (within the request timeout) gives the id to deregister; the loop ends after it,
    // as stopping_ is set and its sleeps are woken.
    if (!registering_) {
        tasks_.cancel();
    } else {
        spdlog::info("{}: waiting for the registration in flight before deregistering",
                     descriptor_.service.name);
    }
    co_await tasks_.wait();
    const auto state = this->state();
    if (state.registered) {
        const auto result =
            co_await client_.deregister_instance(state.service_id, state.instance_id);
        if (result) {
            spdlog::info("{}: deregistered instance {}", descriptor_.service.name,
                         state.instance_id);
        } else {
            spdlog::warn("{}: deregister failed: {}", descriptor_.service.name,
                         result.error().describe());
        }
    }
    {
        std::lock_guard lock(mutex_);
        state_.registered = false;
    }
    metrics_.set_registered(descriptor_.service.name, false);
    changed();
}

}  // namespace scagent::registration
