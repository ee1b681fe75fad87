#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "agent/proxy/proxy_error.hpp"
#include "agent/proxy/proxy_options.hpp"

namespace scagent::proxy {

/// Whom a call goes to and who makes it, read from the request (spec: Proxy).
struct CallTarget {
    std::string service;
    std::string app;
    /// The caller's environment: the registry finds providers of the same environment only.
    std::string environment;
    /// The local service that calls; empty on a host with no local service.
    std::string caller;
    /// The request-target to send upstream (origin form, "/path?query").
    std::string path;
};

/// The parts of a request that say where it goes.
struct TargetRequest {
    std::string_view target{};     ///< request-target: "/svc/x", "http://svc/x" or "/x"
    std::string_view host{};       ///< Host header
    std::string_view app{};        ///< X-Sc-App
    std::string_view consumer{};   ///< X-Sc-Consumer
    std::string_view listen_as{};  ///< the caller a service's own proxy.listen stands for
};

/// Addressing, in this order:
/// 1. absolute form `http://{service}[:port]/path` (HTTP_PROXY clients);
/// 2. `Host: {service}` with an origin-form target;
/// 3. path style `/{service}/path` when the host is an address or `localhost` (the proxy's own).
/// The caller is the listener's service, else `X-Sc-Consumer` (a local service), else the only
/// local service; with several and neither: CONSUMER_REQUIRED. The app is `X-Sc-App`, else the
/// caller's app, else "default".
std::variant<CallTarget, ProxyError> resolve_target(const TargetRequest& request,
                                                    std::span<const LocalCaller> locals);

}  // namespace scagent::proxy
