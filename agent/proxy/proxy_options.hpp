#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scagent::proxy {

/// A local service as the proxy sees it: who may be the calling service.
struct LocalCaller {
    std::string app;
    std::string name;
    std::string environment;
};

/// The local app behind a service's `inbound` listener (provider side).
struct InboundTarget {
    std::string service;  ///< the local service the app is
    std::string app;
    std::string host;
    std::uint16_t port = 0;
};

/// One address the proxy accepts calls on. `caller` names the local service whose own
/// `proxy.listen` this is (it calls as that service); empty for the shared `listen.proxy`.
/// With `inbound` set it is a provider-side listener instead: every call goes to that app.
struct ProxyListen {
    std::string address;
    std::string caller;
    std::optional<InboundTarget> inbound{};
};

struct ProxyOptions {
    std::vector<ProxyListen> listeners;
    std::vector<LocalCaller> local_services;
    /// Event loops (threads) that accept and serve calls; each has its own upstream pools.
    int threads = 1;
    /// Request bodies up to this size are kept so that the call can be retried; larger ones,
    /// and chunked ones, stream to the upstream and are not retried once sent.
    std::size_t max_retry_body = 64 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    /// Client connections per listener and event loop (limits.max_connections); beyond it new
    /// ones wait in the listen backlog.
    std::size_t max_connections = 4096;
    std::chrono::milliseconds connect_timeout{1000};
    /// An upstream connection idle this long is closed rather than reused.
    std::chrono::milliseconds idle_timeout{30'000};
    std::size_t max_connections_per_instance = 256;
    /// A client connection idle this long between calls is closed.
    std::chrono::milliseconds client_idle_timeout{60'000};
    /// Calls that do not name their own limit get their answer's head within this (0: none).
    std::chrono::milliseconds default_try_timeout{0};
    /// JSON access log lines and `X-Sc-Instance` on answers.
    bool access_log = false;
    /// At stop: calls in flight get this long to finish before they are cancelled.
    std::chrono::milliseconds drain_timeout{30'000};
};

}  // namespace scagent::proxy
