#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>
#include <string>

#include "agent/app/command_support.hpp"
#include "agent/app/commands.hpp"
#include "agent/app/embedded_examples.hpp"
#include "agent/app/logging.hpp"
#include "agent/dev_registry/dev_registry.hpp"

namespace scagent::app {
namespace {

/// "http://127.0.0.1:30100/..." -> "127.0.0.1:30100": where the embedded
/// registry must listen so that the agent's own configuration reaches it.
std::string listen_address_of(const std::string &url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  if (rest.find(':') == std::string::npos || rest.back() == ']') {
    rest += url.starts_with("https://") ? ":443" : ":80";
  }
  return rest;
}

} // namespace

int dev_command(const std::optional<std::string> &config_path) {
  config::LoadOptions options;
  const std::string path = config_path.value_or(kEmbeddedDevConfig);
  if (!config_path) {
    options.embedded_files = embedded_dev_files();
  }
  const auto loaded = load_or_report(path, options);
  if (!loaded) {
    return kExitConfig;
  }
  configure_logging(loaded->agent.log);

  // The embedded registry listens where the configuration points the agent: the
  // first registry and config-center addresses.
  dev_registry::DevRegistryConfig registry_config;
  registry_config.listen =
      listen_address_of(loaded->agent.registry.addresses.front());
  registry_config.kie_listen =
      loaded->agent.config_center.addresses.empty()
          ? ""
          : listen_address_of(loaded->agent.config_center.addresses.front());
  boost::asio::io_context ioc(1);
  std::unique_ptr<dev_registry::DevRegistry> registry;
  try {
    registry =
        std::make_unique<dev_registry::DevRegistry>(ioc, registry_config);
    registry->start();
  } catch (const std::exception &e) {
    spdlog::error("dev: cannot start the embedded registry: {}", e.what());
    return kExitFatal;
  }
  spdlog::info("dev: embedded service center on http://{}, kie on http://{}",
               registry->sc_address(),
               registry_config.kie_listen.empty() ? "(off)"
                                                  : registry->kie_address());
  log_plan(*loaded);
  spdlog::warn("dev: registering the example services arrives with the "
               "registration issue; the "
               "embedded registry serves until SIGINT/SIGTERM");

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code &ec, int signal) {
    if (!ec) {
      spdlog::info("dev: signal {}, stopping", signal);
      registry->stop();
    }
  });
  ioc.run();
  return kExitOk;
}

} // namespace scagent::app
