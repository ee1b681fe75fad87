#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "plugins/api/http_message.hpp"
#include "plugins/registry/servicecomb/registry_error.hpp"

namespace scagent::net {

/// Absolute point in real (steady) time by which a request must have its whole response.
using Deadline = std::chrono::steady_clock::time_point;

/// A response, or why none arrived (network, timeout, tls, too_large). Non-2xx statuses are
/// responses here: deciding what a 400 means is the caller's (codec's) job.
using HttpResult = plugins::servicecomb::Result<plugins::HttpResponse>;

/// Sends one request to `request.origin`. The seam between the registry client and the sockets:
/// tests substitute a scripted transport, production uses HttpClient.
class HttpTransport {
  public:
    virtual ~HttpTransport() = default;
    virtual boost::asio::awaitable<HttpResult> send(plugins::HttpRequest request,
                                                    Deadline deadline) = 0;
};

}  // namespace scagent::net
