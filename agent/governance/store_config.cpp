#include "agent/governance/store_config.hpp"

#include <filesystem>

namespace scagent::governance {

GovernanceStoreOptions store_options(const config::AgentConfig& agent,
                                     const std::vector<config::ServiceDescriptor>& services) {
    GovernanceStoreOptions options;
    options.kie_addresses = agent.config_center.addresses;
    options.project = agent.registry.project;
    options.domain = agent.registry.domain;
    if (!services.empty()) {
        const auto& service = services.front().service;
        options.identity.app = service.app;
        options.identity.service = service.name;
        options.identity.version = service.version;
        options.identity.environment = service.environment;
    }
    if (!agent.governance_file.empty()) {
        namespace fs = std::filesystem;
        fs::path path(agent.governance_file);
        if (path.is_relative() && !agent.source_file.empty()) {
            path = fs::path(agent.source_file).parent_path() / path;
        }
        options.governance_file = path.lexically_normal().string();
    }
    return options;
}

}  // namespace scagent::governance
