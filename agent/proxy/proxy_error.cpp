#include "agent/proxy/proxy_error.hpp"

#include <nlohmann/json.hpp>

namespace scagent::proxy {

namespace http = boost::beast::http;

ProxyError no_instance(std::string_view service, std::string_view why) {
    return {503, "NO_INSTANCE",
            "no instance of '" + std::string(service) + "' to call: " + std::string(why)};
}

ProxyError bad_request(std::string message) {
    return {400, "BAD_REQUEST", std::move(message)};
}

ProxyError consumer_required() {
    return {400, "CONSUMER_REQUIRED",
            "several local services run on this host: say which one calls with the header "
            "X-Sc-Consumer, or call through that service's own proxy.listen"};
}

ProxyError upstream_unreachable(std::string message) {
    return {502, "UPSTREAM_UNREACHABLE", std::move(message)};
}

ProxyError upstream_timeout(std::string message) {
    return {504, "UPSTREAM_TIMEOUT", std::move(message)};
}

http::response<http::string_body> error_response(const ProxyError& error, unsigned version,
                                                 bool keep_alive) {
    http::response<http::string_body> response{static_cast<http::status>(error.status), version};
    response.set(http::field::content_type, "application/json");
    response.set("X-Sc-Agent-Error", error.code);
    if (error.retry_after > 0) {
        response.set(http::field::retry_after, std::to_string(error.retry_after));
    }
    const nlohmann::json body{{"error", {{"code", error.code}, {"message", error.message}}}};
    // Service names come from the request: never let bad UTF-8 turn an answer into a throw.
    response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    return response;
}

}  // namespace scagent::proxy
