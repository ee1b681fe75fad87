#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "tests/integration/registration/registration_fixture.hpp"

namespace scagent::test {

/// The daemon in-process with the discovery knobs the registration fixture does not expose
/// (refresh interval, watch, snapshot path, descriptor dependencies).
class DiscoveryAgent {
  public:
    DiscoveryAgent(const TempDir& dir, const std::string& registry_url,
                   const std::string& refresh_interval, const std::string& snapshot_path) {
        const auto path =
            dir.write("agent.yaml", "registry:\n  addresses: [" + registry_url +
                                        "]\n  refresh_interval: " + refresh_interval +
                                        "\n  watch: true\n"
                                        "config_center:\n  addresses: []\n"
                                        "services: [services.d]\n"
                                        "listen:\n  api: 127.0.0.1:0\n  proxy: 127.0.0.1:0\n"
                                        "cache:\n  snapshot_path: \"" +
                                        snapshot_path +
                                        "\"\n"
                                        "drain: {delay: 0s, timeout: 2s}\n");
        config::Diagnostics diagnostics;
        auto loaded = config::load_config(path, diagnostics);
        if (!loaded) {
            throw std::runtime_error("config: " + diagnostics.to_string());
        }
        app::DaemonOptions options;
        options.handle_signals = false;
        options.heartbeat_scale = 0.3;
        options.on_started = [this](std::uint16_t port) { api_port_ = port; };
        daemon_ = std::make_unique<app::Daemon>(ioc_, std::move(*loaded), std::move(options));
        thread_ = std::thread([this] { daemon_->run(); });
        if (!eventually([this] { return api_port_.load() != 0; }, 10s)) {
            throw std::runtime_error("the agent did not start");
        }
    }
    ~DiscoveryAgent() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            daemon_->request_stop();
            thread_.join();
        }
    }
    HttpTestClient api() const { return HttpTestClient("127.0.0.1", api_port_); }

  private:
    boost::asio::io_context ioc_{1};
    std::unique_ptr<app::Daemon> daemon_;
    std::thread thread_;
    std::atomic<std::uint16_t> api_port_{0};
};

/// Log lines of the process's default logger, for "warned about X" assertions.
class LogCapture {
  public:
    LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(512)) {
        spdlog::default_logger()->sinks().push_back(sink_);
    }
    ~LogCapture() {
        auto& sinks = spdlog::default_logger()->sinks();
        std::erase(sinks, sink_);
    }
    bool contains(const std::string& text) const {
        for (const auto& line : sink_->last_formatted()) {
            if (line.find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

  private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

/// A local service "cart" (app itest, env testing) that depends on `dependency` when given.
inline std::string consumer_descriptor(const std::string& dependency = "") {
    std::string extra;
    if (!dependency.empty()) {
        extra = "  dependencies:\n    - {name: " + dependency + "}\n";
    }
    return descriptor_yaml("cart", extra);
}

}  // namespace scagent::test
