#pragma once

// The server side of HTTP: Beast's request and response. Route handlers never see these; they
// take a RouteContext and answer a Reply (route_types.hpp).

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>

#include "agent/net/route_types.hpp"

namespace scagent::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

/// What a server handler produces: a response, or (when `websocket` is set) a request to upgrade.
struct HttpReply {
    HttpReply() = default;
    HttpReply(HttpResponse r) : response(std::move(r)) {}  // NOLINT: implicit on purpose

    HttpResponse response;
    WebSocketHandler websocket;
};

/// Called once per request. It may suspend (long polls); an exception becomes a 500.
using HttpHandler = std::function<asio::awaitable<HttpReply>(HttpRequest&)>;

/// True when `req` asks for a websocket upgrade.
bool is_websocket_upgrade(const HttpRequest& req);

class HttpRouter;

/// An HttpHandler that routes each request through `router` and turns the handler's Reply into
/// the response (http_router.cpp). The router must outlive the server using it.
HttpHandler router_handler(HttpRouter& router);

}  // namespace scagent::net
