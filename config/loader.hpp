#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/agent_config.hpp"
#include "config/diagnostics.hpp"
#include "config/env_substitution.hpp"
#include "config/service_descriptor.hpp"

namespace scagent::config {

/// Everything `sc-agent` reads before it starts: agent.yaml and every service descriptor.
struct LoadedConfig {
    AgentConfig agent;
    std::vector<ServiceDescriptor> services;
};

struct LoadOptions {
    EnvLookup env = process_env();
    /// Files served from memory instead of disk (the bundled dev default), by path.
    std::map<std::string, std::string> embedded_files;
};

/// Reads agent.yaml and the descriptors it lists. Every problem is added to `diagnostics`; the
/// result is empty when there was any.
std::optional<LoadedConfig> load_config(const std::string& path, Diagnostics& diagnostics,
                                        const LoadOptions& options = {});

/// Reads only the descriptors of `agent.services` (relative paths resolve against the directory
/// of agent.source_file); used at start and on SIGHUP.
std::vector<ServiceDescriptor> load_service_descriptors(const AgentConfig& agent,
                                                        Diagnostics& diagnostics,
                                                        const LoadOptions& options = {});

/// Parses one descriptor from text (tests, and files already read).
std::optional<ServiceDescriptor> parse_service_descriptor_text(const std::string& text,
                                                               const std::string& file,
                                                               Diagnostics& diagnostics,
                                                               const LoadOptions& options = {});

}  // namespace scagent::config
