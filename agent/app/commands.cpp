#include "agent/app/commands.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

#include "agent/app/embedded_examples.hpp"
#include "agent/app/logging.hpp"
#include "config/loader.hpp"
#include "metrics/metrics_registry.hpp"

namespace scagent::app {
namespace {

/// Loads the configuration; on any problem prints every diagnostic to stderr. Logging is not
/// configured yet at this point, so this writes plain lines.
std::optional<config::LoadedConfig> load_or_report(const std::string& path,
                                                   const config::LoadOptions& options = {}) {
    config::Diagnostics diagnostics;
    auto loaded = config::load_config(path, diagnostics, options);
    if (!diagnostics.empty()) {
        std::fputs(diagnostics.to_string().c_str(), stderr);
    }
    return loaded;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out.empty() ? "(none)" : out;
}

/// What the agent is going to do with this configuration, one line per fact.
void log_plan(const config::LoadedConfig& loaded) {
    const auto& agent = loaded.agent;
    spdlog::info(
        "config {}: registry {} (project {}, domain {}{})", agent.source_file,
        join(agent.registry.addresses), agent.registry.project, agent.registry.domain,
        agent.registry.auth.username.empty() ? "" : ", RBAC user " + agent.registry.auth.username);
    spdlog::info("config center {}; local API on {}, proxy on {}",
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

}  // namespace

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
    const auto loaded = load_or_report(config_path);
    if (!loaded) {
        return kExitConfig;
    }
    configure_logging(loaded->agent.log);
    metrics::MetricsRegistry metrics;
    log_plan(*loaded);
    // Honest about this build: the daemon loop (registration, cache, local API) is the next
    // issue. Exit as a fatal error so no supervisor believes the agent is serving.
    spdlog::error("this build validates and plans only; registration is not implemented yet");
    return kExitFatal;
}

int dev_command(const std::optional<std::string>& config_path) {
    config::LoadOptions options;
    std::string path = config_path.value_or(kEmbeddedDevConfig);
    if (!config_path) {
        options.embedded_files = embedded_dev_files();
    }
    const auto loaded = load_or_report(path, options);
    if (!loaded) {
        return kExitConfig;
    }
    configure_logging(loaded->agent.log);
    log_plan(*loaded);
    spdlog::warn(
        "this build validates and plans only; the dev registry and registration are "
        "not implemented yet");
    return kExitOk;
}

}  // namespace scagent::app
