#pragma once

#include <boost/asio/awaitable.hpp>

#include "agent/net/deadline.hpp"
#include "agent/net/transport_error.hpp"
#include "plugins/api/http_message.hpp"

namespace scagent::net {

/// A response, or why none arrived (network, timeout, tls, too_large, cancelled). Non-2xx
/// statuses are responses here: deciding what a 400 means is the caller's (codec's) job.
using HttpResult = TransportResult<plugins::HttpResponse>;

/// Sends one request to `request.origin`. The seam between the registry client and the sockets:
/// tests substitute a scripted transport, production uses HttpClient.
class HttpTransport {
  public:
    virtual ~HttpTransport() = default;
    virtual boost::asio::awaitable<HttpResult> send(plugins::HttpRequest request,
                                                    Deadline deadline) = 0;
};

}  // namespace scagent::net
