#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace scagent::proxy {

/// An answer the agent makes itself instead of the provider's (spec: Proxy): a status, a stable
/// UPPER_SNAKE code carried in `X-Sc-Agent-Error` and the JSON body, and a message.
struct ProxyError {
    unsigned status = 502;
    std::string code;
    std::string message;
    /// Seconds for `Retry-After` (RATE_LIMITED); 0: no header.
    unsigned retry_after = 0;
};

ProxyError no_instance(std::string_view service, std::string_view why);
ProxyError bad_request(std::string message);
ProxyError consumer_required();
ProxyError upstream_unreachable(std::string message);
ProxyError upstream_timeout(std::string message);

/// The response for `error`, in the client's HTTP version, keeping the connection when asked.
boost::beast::http::response<boost::beast::http::string_body> error_response(
    const ProxyError& error, unsigned version, bool keep_alive);

}  // namespace scagent::proxy
