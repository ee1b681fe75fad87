#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <exception>
#include <string>

#include "agent/app/command_support.hpp"
#include "agent/app/commands.hpp"
#include "agent/app/daemon.hpp"
#include "agent/app/embedded_examples.hpp"
#include "agent/app/logging.hpp"
#include "agent/dev_registry/dev_registry.hpp"

namespace scagent::app {
namespace {

/// "http://127.0.0.1:30100/..." -> "127.0.0.1:30100": where the embedded registry must listen
/// so that the agent's own configuration reaches it. Empty when the address is not on this
/// host's loopback: the dev registry never listens anywhere else.
std::string listen_address_of(const std::string& url) {
    std::string rest = url.substr(url.find("://") + 3);
    rest = rest.substr(0, rest.find_first_of("/?"));
    if (rest.find(':') == std::string::npos || rest.back() == ']') {
        rest += url.starts_with("https://") ? ":443" : ":80";
    }
    const auto colon = rest.rfind(':');
    const auto host = rest.substr(0, colon);
    if (host == "localhost") {
        return "127.0.0.1" + rest.substr(colon);
    }
    return host.starts_with("127.") || host == "[::1]" ? rest : std::string();
}

}  // namespace

int dev_command(const std::optional<std::string>& config_path) {
    config::LoadOptions options;
    const std::string path = config_path.value_or(kEmbeddedDevConfig);
    if (!config_path) {
        options.embedded_files = embedded_dev_files();
    }
    auto loaded = load_or_report(path, options);
    if (!loaded) {
        return kExitConfig;
    }
    configure_logging(loaded->agent.log);

    // The embedded registry listens where the configuration points the agent: the first
    // registry and config-center addresses.
    dev_registry::DevRegistryConfig registry_config;
    registry_config.listen = listen_address_of(loaded->agent.registry.addresses.front());
    registry_config.kie_listen =
        loaded->agent.config_center.addresses.empty()
            ? ""
            : listen_address_of(loaded->agent.config_center.addresses.front());
    const bool kie_elsewhere =
        !loaded->agent.config_center.addresses.empty() && registry_config.kie_listen.empty();
    if (registry_config.listen.empty() || kie_elsewhere) {
        spdlog::error(
            "dev: the embedded registry and config center listen on loopback only; point "
            "registry.addresses and config_center.addresses at 127.0.0.1 (or use `sc-agent run` "
            "against a real service center)");
        return kExitConfig;
    }
    boost::asio::io_context ioc(loaded->agent.threads);
    std::unique_ptr<dev_registry::DevRegistry> registry;
    try {
        registry = std::make_unique<dev_registry::DevRegistry>(ioc, registry_config);
        registry->start();
    } catch (const std::exception& e) {
        spdlog::error("dev: cannot start the embedded registry: {}", e.what());
        return kExitFatal;
    }
    spdlog::info("dev: embedded service center on http://{}, kie on http://{}",
                 registry->sc_address(),
                 registry_config.kie_listen.empty() ? "(off)" : registry->kie_address());
    log_plan(*loaded);

    DaemonOptions daemon_options;
    daemon_options.load = options;
    daemon_options.on_stopped = [&registry] { registry->stop(); };
    daemon_options.on_started = [&registry](const ListeningPorts& ports) {
        spdlog::info(
            "dev: try  curl http://{}/v4/default/registry/microservices  and  curl "
            "http://127.0.0.1:{}/v1/agent/services",
            registry->sc_address(), ports.api);
    };
    Daemon daemon(ioc, std::move(*loaded), std::move(daemon_options));
    const int code = daemon.run();
    if (code != kExitOk) {
        registry->stop();
    }
    return code;
}

}  // namespace scagent::app
