#include "agent/dev_registry/dev_registry_command.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <csignal>
#include <exception>

#include "agent/dev_registry/dev_registry.hpp"

namespace scagent::dev_registry {

int run_dev_registry_command(const DevRegistryOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    boost::asio::io_context ioc(1);
    DevRegistryConfig config;
    config.listen = options.listen;
    config.kie_listen = options.kie_listen;
    config.auth = options.auth;
    std::unique_ptr<DevRegistry> registry;
    // Installed before the ports open, so a SIGTERM right after start is a clean stop.
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    try {
        registry = std::make_unique<DevRegistry>(ioc, config);
        registry->start();
    } catch (const std::exception& e) {
        spdlog::error("dev-registry: cannot start: {}", e.what());
        return 1;
    }
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        spdlog::info("dev-registry: signal {}, stopping", signal);
        registry->stop();
    });
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::info(
        "dev-registry: service center on http://{}  kie on http://{}  rbac {}  "
        "(ready in {:.1f} ms)",
        registry->sc_address(), registry->kie_address(), options.auth.empty() ? "off" : "on",
        elapsed.count() / 1000.0);
    ioc.run();
    spdlog::info("dev-registry: stopped");
    return 0;
}

}  // namespace scagent::dev_registry
