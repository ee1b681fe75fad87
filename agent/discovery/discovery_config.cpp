#include "agent/discovery/discovery_config.hpp"

#include <algorithm>

namespace scagent::discovery {

DiscoveryOptions discovery_options(const config::AgentConfig& agent,
                                   const std::vector<config::ServiceDescriptor>& services) {
    DiscoveryOptions options;
    options.refresh_interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(agent.registry.refresh_interval);
    options.watch = agent.registry.watch;
    options.tls = net::TlsOptions{agent.registry.tls.ca_file, agent.registry.tls.cert_file,
                                  agent.registry.tls.key_file, agent.registry.tls.verify};
    options.snapshot_path = agent.cache.snapshot_path;
    options.max_watched_services = static_cast<std::size_t>(agent.limits.max_watched_services);
    for (const auto& service : services) {
        for (const auto& dependency : service.dependencies) {
            CacheKey key{dependency.app.empty() ? service.service.app : dependency.app,
                         dependency.name, service.service.environment};
            if (std::find(options.pinned.begin(), options.pinned.end(), key) ==
                options.pinned.end()) {
                options.pinned.push_back(std::move(key));
            }
        }
    }
    return options;
}

}  // namespace scagent::discovery
