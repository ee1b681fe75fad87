#pragma once

#include "agent/net/route_types.hpp"

namespace scagent::proxy {

struct ProxyShared;

/// `GET /v1/explain?service=&app=&consumer=&method=GET&path=/x&header=k:v` (spec: Local API):
/// what the proxy would do with that call, from the same snapshots a call reads: the match
/// groups it meets, the policy of each kind bound to it (with its kie key and source, and what
/// it would do now), the route rule's groups, every instance with the reason it would be left
/// out, and the decision. Takes no permit, no bulkhead slot, no breaker trial and moves no
/// balancer. Errors: 400 BAD_REQUEST (no `service`, a bad `header`), CONSUMER_REQUIRED as the
/// proxy answers it.
net::RouteHandler explain_handler(ProxyShared& shared);

}  // namespace scagent::proxy
