#include "agent/app/commands.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

#include "agent/app/command_support.hpp"
#include "agent/app/daemon.hpp"
#include "agent/app/logging.hpp"
#include "config/loader.hpp"
#include "metrics/metrics_registry.hpp"

namespace scagent::app {

/// Loads the configuration; on any problem prints every diagnostic to stderr. Logging is not
/// configured yet at this point, so this writes plain lines.
std::optional<config::LoadedConfig> load_or_report(const std::string& path,
                                                   const config::LoadOptions& options) {
    config::Diagnostics diagnostics;
    auto loaded = config::load_config(path, diagnostics, options);
    if (!diagnostics.empty()) {
        std::fputs(diagnostics.to_string().c_str(), stderr);
    }
    return loaded;
}

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out.empty() ? "(none)" : out;
}

}  // namespace

void log_plan(const config::LoadedConfig& loaded) {
    const auto& agent = loaded.agent;
    spdlog::info(
        "config {}: registry {} (project {}, domain {}{})", agent.source_file,
        join(agent.registry.addresses), agent.registry.project, agent.registry.domain,
        agent.registry.auth.username.empty() ? "" : ", RBAC user " + agent.registry.auth.username);
    spdlog::info(
        "config center {}; local API on {}, proxy on {} (and each service's own proxy.listen)",
        join(agent.config_center.addresses), agent.listen.api, agent.listen.proxy);
    for (const auto& descriptor : loaded.services) {
        spdlog::info(
            "service {} {}/{} {} from {}: endpoints {}, lease {}s x {}, probe {}",
            descriptor.service.environment.empty() ? "(no env)" : descriptor.service.environment,
            descriptor.service.app, descriptor.service.name, descriptor.service.version,
            descriptor.source_file, join(descriptor.instance.endpoints),
            descriptor.instance.health_check.interval, descriptor.instance.health_check.times + 1,
            descriptor.check ? descriptor.check->target : "none (always healthy)");
    }
}

int validate_command(const std::string& config_path) {
    const auto loaded = load_or_report(config_path);
    if (!loaded) {
        return kExitConfig;
    }
    std::printf("%s: valid; %zu service descriptor(s)\n", config_path.c_str(),
                loaded->services.size());
    for (const auto& descriptor : loaded->services) {
        std::printf("  %s (%s)\n", descriptor.identity().c_str(), descriptor.source_file.c_str());
    }
    return kExitOk;
}

int run_command(const std::string& config_path) {
    auto loaded = load_or_report(config_path);
    if (!loaded) {
        return kExitConfig;
    }
    configure_logging(loaded->agent.log);
    log_plan(*loaded);
    return run_daemon(std::move(*loaded));
}

}  // namespace scagent::app
