#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "agent/app/daemon.hpp"
#include "agent/dev_registry/dev_registry.hpp"
#include "config/loader.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {

using namespace std::chrono_literals;
using OrderedJson = nlohmann::ordered_json;

inline constexpr const char* kTenant = "default/default";

/// The embedded dev registry on its own io_context thread, restartable on the same port.
class RegistryRunner {
  public:
    explicit RegistryRunner(dev_registry::DevRegistryConfig config = {})
        : config_(std::move(config)) {
        config_.listen = "127.0.0.1:0";
        config_.kie_listen = "";
        config_.stop_grace = 200ms;
        start();
    }
    ~RegistryRunner() { stop(); }

    void start() {
        ioc_ = std::make_unique<boost::asio::io_context>(1);
        registry_ = std::make_unique<dev_registry::DevRegistry>(*ioc_, config_);
        registry_->start();
        config_.listen = "127.0.0.1:" + std::to_string(registry_->sc_port());
        thread_ = std::thread([this] { ioc_->run(); });
    }
    void stop() {
        if (!registry_) {
            return;
        }
        registry_->stop();
        thread_.join();
        registry_.reset();
        ioc_.reset();
    }
    /// Restarted with empty state on the same port.
    void restart() {
        stop();
        start();
    }

    dev_registry::DevRegistry& registry() { return *registry_; }
    dev_registry::RegistryStore& store() { return registry_->store(); }
    std::uint16_t port() const { return registry_->sc_port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

    /// The service document named `name`, if the registry holds one.
    std::optional<OrderedJson> service(const std::string& name) {
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
    /// The instances of service `name` (empty when the service is missing).
    OrderedJson instances(const std::string& name) {
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
    /// The single instance of `name`, if there is exactly one.
    std::optional<OrderedJson> instance(const std::string& name) {
        auto list = instances(name);
        if (list.size() != 1) {
            return std::nullopt;
        }
        return list[0];
    }
    std::string status_of(const std::string& name) {
        const auto found = instance(name);
        return found ? (*found)["status"].get<std::string>() : "";
    }

  private:
    dev_registry::DevRegistryConfig config_;
    std::unique_ptr<boost::asio::io_context> ioc_;
    std::unique_ptr<dev_registry::DevRegistry> registry_;
    std::thread thread_;
};

/// A descriptor with a 1 s lease interval (heartbeats every 1 s, scaled down by the daemon).
inline std::string descriptor_yaml(const std::string& name, const std::string& extra = "",
                                   const std::string& endpoint = "rest://127.0.0.1:18080") {
    return "servicecomb:\n"
           "  service:\n"
           "    app: itest\n"
           "    name: " +
           name +
           "\n"
           "    version: 1.2.3\n"
           "    environment: testing\n"
           "    description: integration test service\n"
           "    properties: {owner: team-a}\n"
           "    instanceProperties: {zone: z1}\n"
           "  instance:\n"
           "    endpoints: [" +
           endpoint +
           "]\n"
           "    hostname: itest-host\n"
           "    healthCheck: {interval: 1, times: 3}\n" +
           extra;
}

/// The daemon in-process (its own io_context thread), against `registry_urls`.
class AgentRunner {
  public:
    AgentRunner(const TempDir& dir, const std::string& registry_urls,
                const std::string& extra_agent_yaml = "", app::DaemonOptions options = {}) {
        const auto path = dir.write(
            "agent.yaml", "registry:\n  addresses: [" + registry_urls + "]\n" + extra_agent_yaml +
                              "config_center:\n  addresses: []\n"
                              "services: [services.d]\n"
                              "listen:\n  api: 127.0.0.1:0\n  proxy: 127.0.0.1:0\n"
                              "cache:\n  snapshot_path: \"\"\n"
                              "drain: {delay: 0s, timeout: 2s}\n"
                              "log: {level: warn}\n");
        config::Diagnostics diagnostics;
        auto loaded = config::load_config(path, diagnostics);
        if (!loaded) {
            throw std::runtime_error("config: " + diagnostics.to_string());
        }
        options.handle_signals = false;
        if (options.heartbeat_scale == 1.0) {
            options.heartbeat_scale = 0.3;
        }
        options.on_started = [this](std::uint16_t port) { api_port_ = port; };
        daemon_ = std::make_unique<app::Daemon>(ioc_, std::move(*loaded), std::move(options));
        thread_ = std::thread([this] { exit_code_ = daemon_->run(); });
        if (!eventually([this] { return api_port_.load() != 0; }, 10s)) {
            throw std::runtime_error("the agent did not start");
        }
    }
    ~AgentRunner() { stop(); }

    int stop() {
        if (thread_.joinable()) {
            daemon_->request_stop();
            thread_.join();
        }
        return exit_code_;
    }
    void reload() { daemon_->reload(); }
    std::uint16_t api_port() const { return api_port_; }
    HttpTestClient api() const { return HttpTestClient("127.0.0.1", api_port_); }

  private:
    boost::asio::io_context ioc_{1};
    std::unique_ptr<app::Daemon> daemon_;
    std::thread thread_;
    std::atomic<std::uint16_t> api_port_{0};
    int exit_code_ = -1;
};

}  // namespace scagent::test
