#include "tests/support/registry_runner.hpp"

#include <stdexcept>
#include <variant>

#include "agent/dev_registry/kie_store.hpp"
#include "tests/support/http_test_client.hpp"

namespace scagent::test {

RegistryRunner::RegistryRunner(Kie kie, dev_registry::DevRegistryConfig config,
                               plugins::Clock& clock)
    : config_(std::move(config)), clock_(clock) {
    config_.listen = "127.0.0.1:0";
    config_.kie_listen = kie == Kie::on ? "127.0.0.1:0" : "";
    start();
}

RegistryRunner::~RegistryRunner() {
    stop();
}

dev_registry::DevRegistryConfig RegistryRunner::defaults() {
    dev_registry::DevRegistryConfig config;
    config.stop_grace = std::chrono::milliseconds(200);
    return config;
}

void RegistryRunner::start() {
    if (registry_) {
        return;
    }
    ioc_ = std::make_unique<boost::asio::io_context>(1);
    registry_ = std::make_unique<dev_registry::DevRegistry>(*ioc_, config_, clock_);
    registry_->start();
    // A restart binds the same ports again.
    sc_port_ = registry_->sc_port();
    kie_port_ = registry_->kie_port();
    config_.listen = registry_->sc_address();
    if (!config_.kie_listen.empty()) {
        config_.kie_listen = registry_->kie_address();
    }
    thread_ = std::thread([this] { ioc_->run(); });
}

void RegistryRunner::stop() {
    if (!registry_) {
        return;
    }
    registry_->stop();
    thread_.join();
    registry_.reset();
    ioc_.reset();
}

void RegistryRunner::restart() {
    stop();
    start();
}

std::optional<OrderedJson> RegistryRunner::service(const std::string& name) {
    const auto listed = store().list_services(kTenant);
    if (listed.contains("services")) {
        for (const auto& doc : listed["services"]) {
            if (doc.value("serviceName", "") == name) {
                return doc;
            }
        }
    }
    return std::nullopt;
}

OrderedJson RegistryRunner::instances(const std::string& name) {
    const auto doc = service(name);
    if (!doc) {
        return OrderedJson::array();
    }
    auto found = store().get_instances(kTenant, (*doc)["serviceId"].get<std::string>(), "");
    if (std::holds_alternative<dev_registry::ApiError>(found)) {
        return OrderedJson::array();
    }
    return std::get<dev_registry::RegistryStore::Found>(found).instances;
}

std::optional<OrderedJson> RegistryRunner::instance(const std::string& name) {
    auto list = instances(name);
    if (list.size() != 1) {
        return std::nullopt;
    }
    return list[0];
}

std::string RegistryRunner::status_of(const std::string& name) {
    const auto found = instance(name);
    return found ? (*found)["status"].get<std::string>() : "";
}

std::string RegistryRunner::create_service(const std::string& name, const std::string& version) {
    const nlohmann::json body = {{"service",
                                  {{"appId", "itest"},
                                   {"serviceName", name},
                                   {"version", version},
                                   {"environment", "testing"}}}};
    HttpTestClient sc("127.0.0.1", sc_port_);
    const auto r = sc.post("/v4/default/registry/microservices", body.dump());
    if (r.status != 200) {
        throw std::runtime_error("creating service " + name + " failed: " + r.body);
    }
    return r.json().value("serviceId", "");
}

std::string RegistryRunner::add_instance(const std::string& service_id, int port,
                                         const nlohmann::json& properties) {
    const nlohmann::json body = {{"instance",
                                  {{"hostName", "provider-host"},
                                   {"endpoints", {"rest://127.0.0.1:" + std::to_string(port)}},
                                   {"status", "UP"},
                                   {"properties", properties}}}};
    HttpTestClient sc("127.0.0.1", sc_port_);
    const auto r =
        sc.post("/v4/default/registry/microservices/" + service_id + "/instances", body.dump());
    if (r.status != 200) {
        throw std::runtime_error("registering an instance of " + service_id + " failed: " + r.body);
    }
    return r.json().value("instanceId", "");
}

std::string RegistryRunner::put_kie(const std::string& key, const std::string& value,
                                    const nlohmann::json& labels) {
    auto created = kie().create("default", "default",
                                {{"key", key},
                                 {"value", value},
                                 {"value_type", "text"},
                                 {"status", "enabled"},
                                 {"labels", labels}});
    if (!std::holds_alternative<dev_registry::OrderedJson>(created)) {
        throw std::runtime_error("kie create failed for " + key);
    }
    return std::get<dev_registry::OrderedJson>(created)["id"].get<std::string>();
}

}  // namespace scagent::test
