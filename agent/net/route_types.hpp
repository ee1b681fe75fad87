#pragma once

// What a route handler sees and returns: our own small request and reply types, so that the
// HTTP library (Beast) stays inside agent/net. Nothing here includes Beast.

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scagent::net {

namespace asio = boost::asio;

/// A request method. `other` stands for any method the routes do not use (TRACE, CONNECT, ...);
/// no route is registered with it.
enum class Method { get, head, post, put, delete_, patch, options, other };

/// "GET", "DELETE", ...; "OTHER" for Method::other.
std::string_view to_string(Method method);

/// An HTTP status code.
using Status = unsigned;

/// The status codes the routes answer with.
namespace status {
inline constexpr Status ok = 200;
inline constexpr Status no_content = 204;
inline constexpr Status not_modified = 304;
inline constexpr Status bad_request = 400;
inline constexpr Status not_found = 404;
inline constexpr Status method_not_allowed = 405;
inline constexpr Status internal_server_error = 500;
inline constexpr Status service_unavailable = 503;
}  // namespace status

/// The standard reason phrase of `status` ("Not Found"), "<unknown-status>" when there is none.
std::string_view reason_phrase(Status status);

class WebSocketConnection;

/// Takes over an upgraded connection after the server has completed the websocket handshake.
/// It runs on the connection's strand; when it returns the server closes the socket.
using WebSocketHandler = std::function<asio::awaitable<void>(std::shared_ptr<WebSocketConnection>)>;

/// What a route handler answers: a response, or (when `websocket` is set and the request asks
/// for it) an upgrade. The router adds the protocol version, keep-alive and Content-Length.
struct Reply {
    Reply() = default;
    /// `body` with `content_type` (empty: no Content-Type header).
    Reply(Status status_code, std::string reply_body, std::string type)
        : status(status_code), body(std::move(reply_body)), content_type(std::move(type)) {}

    Status status = status::ok;
    std::string body;
    /// The Content-Type header; empty: none is sent.
    std::string content_type;
    /// Further headers (ETag, X-Sc-*, Retry-After, ...), sent after Content-Type and
    /// Content-Length, in this order.
    std::vector<std::pair<std::string, std::string>> headers;
    WebSocketHandler websocket;

    /// `body` as application/json.
    static Reply json(Status status, std::string body);
    /// `body` as text/plain; charset=UTF-8.
    static Reply text(Status status, std::string body);
    /// No body and no Content-Type (204, 304, ...).
    static Reply empty(Status status);

    /// Adds header `name` (replacing one of the same name, compared case-insensitively).
    Reply& set_header(std::string_view name, std::string value);
};

/// One request on its way to a handler: method, target, headers, body, the path parameters of
/// the matched route and the decoded query. Created by the router for the duration of a call.
class RouteContext {
  public:
    /// The server's request as the router holds it; defined next to the router.
    struct Request;

    explicit RouteContext(const Request& request) : request_(&request) {}

    Method method() const;
    /// The method as sent ("GET", "PROPFIND").
    std::string_view method_name() const;
    /// The request target as sent: path and query, still percent-encoded.
    std::string_view target() const;
    /// The target up to '?'.
    std::string_view path() const;
    /// The target after '?' (still encoded), empty when there is none.
    std::string_view raw_query() const;
    /// The value of header `name` (case-insensitive), empty when absent.
    std::string header(std::string_view name) const;
    const std::string& body() const;
    /// True when the request asks for a websocket upgrade.
    bool is_websocket_upgrade() const;

    /// Path parameter `name` of the matched route ("{name}"), empty when there is none.
    const std::string& param(const std::string& name) const;
    /// First value of query parameter `name`, percent-decoded ('+' as the router decodes it).
    std::optional<std::string> query(std::string_view name) const;
    /// Every value of a repeated query parameter, in order.
    std::vector<std::string> query_all(std::string_view name) const;
    /// Every query parameter (name, value), percent-decoded, in order.
    std::vector<std::pair<std::string, std::string>> query_params() const;
    /// The path's segments, percent-decoded; empty when the target does not parse.
    std::vector<std::string> path_segments() const;

    std::map<std::string, std::string>& params() { return params_; }

  private:
    const Request* request_;
    std::map<std::string, std::string> params_;
};

using RouteHandler = std::function<asio::awaitable<Reply>(RouteContext&)>;

/// An already-computed reply as an awaitable (takes its argument by value: no dangling).
asio::awaitable<Reply> ready_reply(Reply reply);

/// Adapts a handler that never suspends. It runs before the coroutine frame is created, so a
/// capturing lambda is safe here, unlike a capturing coroutine lambda.
RouteHandler sync_route(std::function<Reply(RouteContext&)> handler);

}  // namespace scagent::net
