#pragma once

#include <map>
#include <optional>
#include <string>

#include "config/loader.hpp"

namespace scagent::config::test {

/// The outcome of one load: the config when valid, and every diagnostic as printed.
struct LoadOutcome {
    std::optional<LoadedConfig> config;
    std::string diagnostics;
};

inline EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        if (const auto found = values.find(name); found != values.end()) {
            return found->second;
        }
        return std::nullopt;
    };
}

/// Loads `agent_yaml` as "agent.yaml" (plus any other in-memory files) without touching disk.
inline LoadOutcome load_text(const std::string& agent_yaml,
                             std::map<std::string, std::string> env = {},
                             std::map<std::string, std::string> files = {}) {
    LoadOptions options;
    options.env = fake_env(std::move(env));
    options.embedded_files = std::move(files);
    options.embedded_files["agent.yaml"] = agent_yaml;
    Diagnostics diagnostics;
    LoadOutcome outcome;
    outcome.config = load_config("agent.yaml", diagnostics, options);
    outcome.diagnostics = diagnostics.to_string();
    return outcome;
}

/// Parses one descriptor from text as "svc.yaml"; returns the diagnostics ("" when valid).
inline std::string descriptor_problems(const std::string& yaml,
                                       std::map<std::string, std::string> env = {}) {
    LoadOptions options;
    options.env = fake_env(std::move(env));
    Diagnostics diagnostics;
    parse_service_descriptor_text(yaml, "svc.yaml", diagnostics, options);
    return diagnostics.to_string();
}

}  // namespace scagent::config::test
