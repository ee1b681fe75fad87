#pragma once

#include <functional>
#include <vector>

#include "agent/api/discovery_query.hpp"
#include "agent/discovery/discovery.hpp"
#include "agent/net/http_router.hpp"
#include "config/service_descriptor.hpp"

namespace scagent::api {

/// GET /v1/services/{name}/instances, GET /v1/services/{name}/select and
/// POST /v1/services/{name}/outcome (agent-interface.md). `discovery` must outlive the router;
/// `defaults` gives the local service's app and environment (called per request).
void add_discovery_routes(net::HttpRouter& router, discovery::Discovery& discovery,
                          std::function<DiscoveryDefaults()> defaults);

/// What a request leaves out: the calling local service's app and environment (the only one,
/// the one named by `consumer=` / X-Sc-Consumer, or the one they all share).
DiscoveryDefaults discovery_defaults(const std::vector<config::ServiceDescriptor>& services);

/// The reply of `instances` for one lookup (exposed for the handler benchmark).
net::Reply instances_reply(const discovery::InstanceCache::Lookup& lookup,
                           const DiscoveryQuery& query, plugins::Clock::TimePoint now);

}  // namespace scagent::api
