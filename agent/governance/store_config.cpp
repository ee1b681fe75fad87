#include "agent/governance/store_config.hpp"

#include <filesystem>

namespace scagent::governance {

GovernanceStoreOptions store_options(const config::AgentConfig& agent,
                                     const std::vector<config::ServiceDescriptor>& services,
                                     clients::RegistryClient* registry) {
    GovernanceStoreOptions options;
    options.kie_addresses = agent.config_center.addresses;
    options.project = agent.registry.project;
    options.domain = agent.registry.domain;
    for (const auto& descriptor : services) {
        const auto& service = descriptor.service;
        GovernanceIdentity identity{service.app, service.name, service.version,
                                    service.environment};
        if (&descriptor == &services.front()) {
            options.identity = std::move(identity);
        } else {
            options.other_identities.push_back(std::move(identity));
        }
    }
    if (registry != nullptr && !agent.registry.auth.username.empty()) {
        options.auth_headers = [registry] { return registry->upgrade_headers(); };
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
