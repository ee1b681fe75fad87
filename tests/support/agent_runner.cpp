#include "tests/support/agent_runner.hpp"

#include <stdexcept>

#include "config/loader.hpp"
#include "tests/support/wait.hpp"

namespace scagent::test {

AgentRunner::AgentRunner(const std::string& agent_yaml_path, app::DaemonOptions options) {
    config::Diagnostics diagnostics;
    auto loaded = config::load_config(agent_yaml_path, diagnostics);
    if (!loaded) {
        throw std::runtime_error("config: " + diagnostics.to_string());
    }
    options.handle_signals = false;
    if (options.heartbeat_scale == 1.0) {
        options.heartbeat_scale = 0.3;
    }
    options.on_started = [this](const app::ListeningPorts& ports) {
        std::lock_guard lock(mutex_);
        started_port_ = ports.api;
        proxy_ports_ = ports.proxy;
        changed_.notify_all();
    };
    daemon_ = std::make_unique<app::Daemon>(ioc_, std::move(*loaded), std::move(options));
    thread_ = std::thread([this] {
        const int code = daemon_->run();
        std::lock_guard lock(mutex_);
        exit_code_ = code;
        changed_.notify_all();
    });
    std::unique_lock lock(mutex_);
    // The deadline only turns a hang into a clear failure.
    if (!changed_.wait_for(lock, kEventDeadline, [this] { return started_port_ || exit_code_; })) {
        lock.unlock();
        stop_now();
        throw std::runtime_error("the agent's local API did not listen within 30 s");
    }
    if (!started_port_) {
        const int code = *exit_code_;
        lock.unlock();
        thread_.join();
        throw std::runtime_error("the agent exited with " + std::to_string(code) +
                                 " before its local API listened");
    }
    api_port_ = *started_port_;
}

AgentRunner::~AgentRunner() {
    stop();
}

int AgentRunner::stop() {
    if (thread_.joinable()) {
        daemon_->request_stop();
        thread_.join();
    }
    std::lock_guard lock(mutex_);
    return exit_code_.value_or(-1);
}

int AgentRunner::stop_now() {
    if (thread_.joinable()) {
        daemon_->request_stop();
        daemon_->request_stop();
    }
    return stop();
}

void AgentRunner::reload() {
    daemon_->reload();
}

}  // namespace scagent::test
