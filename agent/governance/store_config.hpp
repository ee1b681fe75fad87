#pragma once

#include <vector>

#include "agent/governance/governance_store.hpp"
#include "config/agent_config.hpp"
#include "config/service_descriptor.hpp"

namespace scagent::governance {

/// GovernanceStoreOptions from agent.yaml: kie = `config_center.addresses`, project and domain
/// from `registry`, `governance_file` resolved against agent.yaml's directory. The kie labels
/// are those of the first local service (java-chassis fetches for one microservice); with no
/// local service only the app dimension of app "default" is polled.
GovernanceStoreOptions store_options(const config::AgentConfig& agent,
                                     const std::vector<config::ServiceDescriptor>& services);

}  // namespace scagent::governance
