#pragma once

#include <string>
#include <vector>

#include "agent/discovery/discovery.hpp"
#include "config/agent_config.hpp"
#include "config/service_descriptor.hpp"

namespace scagent::discovery {

/// agent.yaml's registry/cache settings plus every descriptor's `dependencies` (a dependency
/// without app takes its service's app; the key's env is the service's environment, as the
/// registry searches the consumer's environment).
DiscoveryOptions discovery_options(const config::AgentConfig& agent,
                                   const std::vector<config::ServiceDescriptor>& services);

}  // namespace scagent::discovery
