#pragma once

#include <vector>

#include "agent/clients/registry_client.hpp"
#include "agent/governance/governance_store.hpp"
#include "config/agent_config.hpp"
#include "config/service_descriptor.hpp"

namespace scagent::governance {

/// GovernanceStoreOptions from agent.yaml: kie = `config_center.addresses`, project and domain
/// from `registry`, `governance_file` resolved against agent.yaml's directory. The kie labels
/// are those of every local service (java-chassis fetches for its one microservice; a host
/// agent fetches for each); the first is the snapshot's local service. With no local service
/// only the app dimension of app "default" is polled. With `registry.auth.username` set and a
/// `registry` client, kie requests carry that client's RBAC token (one login, one refresh).
GovernanceStoreOptions store_options(const config::AgentConfig& agent,
                                     const std::vector<config::ServiceDescriptor>& services,
                                     clients::RegistryClient* registry = nullptr);

}  // namespace scagent::governance
