#pragma once

#include <boost/asio/awaitable.hpp>

#include "agent/proxy/forwarder.hpp"

namespace scagent::proxy {

/// Serves one call on a provider-side (`inbound`) listener: the caller from `x-cse-context`
/// (`x-cse-src-microservice`) → the provider-side policies matching the request with the caller
/// as its service name (rateLimiting, bulkhead, circuitBreaker, faultInjection: one greedy
/// consumer is limited, the others are not) → one attempt on the local app over a pooled
/// connection → the answer streamed back. No instance is picked and nothing is retried: there
/// is one app, and its consumers retry. `client.inbound` must be set. Returns whether the client
/// connection can carry another call.
boost::asio::awaitable<bool> forward_inbound(ProxyShared& shared, LoopState& loop,
                                             ClientSide client, CallRequest call);

}  // namespace scagent::proxy
