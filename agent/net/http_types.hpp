#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace scagent::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

class WebSocketConnection;

/// Takes over an upgraded connection after the server has completed the websocket handshake.
/// It runs on the connection's strand; when it returns the server closes the socket.
using WebSocketHandler = std::function<asio::awaitable<void>(std::shared_ptr<WebSocketConnection>)>;

/// What a handler produces: a response, or (when `websocket` is set) a request to upgrade.
struct HttpReply {
    HttpReply() = default;
    HttpReply(HttpResponse r) : response(std::move(r)) {}  // NOLINT: implicit on purpose

    HttpResponse response;
    WebSocketHandler websocket;
};

/// Called once per request. It may suspend (long polls); an exception becomes a 500.
using HttpHandler = std::function<asio::awaitable<HttpReply>(HttpRequest&)>;

/// A response with `status`, `content_type` and `body`, keep-alive and version copied from `req`.
HttpResponse make_response(const HttpRequest& req, http::status status, std::string body,
                           std::string_view content_type);

/// True when `req` asks for a websocket upgrade.
bool is_websocket_upgrade(const HttpRequest& req);

}  // namespace scagent::net
