#include "agent/clients/registry_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>

namespace scagent::clients {
namespace {

using plugins::HttpRequest;
using plugins::HttpResponse;

// The server gave no usable answer: try the next address and count it against this one.
bool server_unavailable(const ResponseResult& result) {
    return result.has_error() ? result.error().server_unavailable() : result->status >= 500;
}

template <class T, class Decode>
sc::Result<T> decode_with(const ResponseResult& result, Decode decode) {
    if (!result) {
        return result.error();
    }
    return decode(*result);
}

}  // namespace

sc::RegistryError to_registry_error(const net::TransportError& error) {
    sc::RegistryError out;
    switch (error.kind) {
        case net::TransportErrorKind::timeout:
            out.kind = sc::ErrorKind::timeout;
            break;
        case net::TransportErrorKind::tls:
            out.kind = sc::ErrorKind::tls;
            break;
        case net::TransportErrorKind::too_large:
            out.kind = sc::ErrorKind::too_large;
            break;
        case net::TransportErrorKind::network:
        case net::TransportErrorKind::cancelled:
            out.kind = sc::ErrorKind::network;
            break;
    }
    out.message = error.message;
    out.detail = error.detail;
    return out;
}

std::string format_go_duration(std::chrono::seconds duration) {
    auto seconds = duration.count();
    if (seconds > 0 && seconds % 3600 == 0) {
        return std::to_string(seconds / 3600) + "h";
    }
    if (seconds > 0 && seconds % 60 == 0) {
        return std::to_string(seconds / 60) + "m";
    }
    return std::to_string(seconds) + "s";
}

RegistryClient::RegistryClient(net::HttpTransport& transport, const plugins::Clock& clock,
                               RegistryClientOptions options)
    : transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      requests_(options_.project),
      pool_(options_.addresses, clock_, options_.pool) {
    warn_plain_http_credentials();
}

void RegistryClient::warn_plain_http_credentials() const {
    if (options_.username.empty()) {
        return;
    }
    for (const auto& address : options_.addresses) {
        if (address.size() >= 7 && boost::beast::iequals(address.substr(0, 7), "http://")) {
            spdlog::warn(
                "registry credentials of user '{}' (password and token) travel unencrypted to "
                "{}; use an https:// address",
                options_.username, address);
        }
    }
}

std::optional<sc::Secret> RegistryClient::current_token() const {
    std::lock_guard lock(token_mutex_);
    return token_;
}

boost::asio::awaitable<ResponseResult> RegistryClient::attempt(std::string_view operation,
                                                               const std::string& address,
                                                               HttpRequest request,
                                                               std::chrono::milliseconds timeout,
                                                               bool authorized) {
    request.origin = address;
    plugins::set_header(request.headers, sc::kDomainHeader, options_.domain);
    if (authorized) {
        if (auto token = current_token()) {
            plugins::set_header(request.headers, "Authorization", "Bearer " + token->reveal());
        }
    }
    const auto started = std::chrono::steady_clock::now();
    auto sent = co_await transport_.send(std::move(request), started + timeout);
    // The boundary: from here on a transport error is a registry error.
    std::optional<sc::RegistryError> error;
    if (!sent) {
        error = to_registry_error(sent.error());
    }
    if (observer_) {
        observer_(RequestRecord{.operation = operation,
                                .address = address,
                                .http_status = sent ? sent->status : 0,
                                .error = error ? &*error : nullptr,
                                .elapsed = std::chrono::steady_clock::now() - started});
    }
    if (error) {
        co_return std::move(*error);
    }
    co_return std::move(*sent);
}

boost::asio::awaitable<ResponseResult> RegistryClient::send_with_failover(
    std::string_view operation, HttpRequest request, std::chrono::milliseconds timeout,
    bool authorized) {
    const std::string first = pool_.pick();
    const bool may_retry = request.idempotent && pool_.addresses().size() > 1;
    // Copy only when a second attempt may need the request. Kept out of the co_await expression:
    // GCC 12 mishandles a conditional temporary passed to a coroutine there.
    HttpRequest first_request = may_retry ? request : std::move(request);
    auto result = co_await attempt(operation, first, std::move(first_request), timeout, authorized);
    if (!server_unavailable(result)) {
        pool_.report_success(first);
        co_return result;
    }
    pool_.report_failure(first);
    const std::string reason =
        result ? "HTTP " + std::to_string(result->status) : result.error().describe();
    if (!may_retry) {
        spdlog::debug("registry {} via {} failed: {}", operation, first, reason);
        co_return result;
    }
    const std::string second = pool_.pick(first);
    spdlog::debug("registry {} via {} failed: {}; retrying via {}", operation, first, reason,
                  second);
    result = co_await attempt(operation, second, std::move(request), timeout, authorized);
    if (server_unavailable(result)) {
        pool_.report_failure(second);
    } else {
        pool_.report_success(second);
    }
    co_return result;
}

boost::asio::awaitable<sc::Result<void>> RegistryClient::ensure_token(
    std::chrono::milliseconds timeout, bool force) {
    if (options_.username.empty()) {
        co_return sc::Result<void>();
    }
    {
        std::lock_guard lock(token_mutex_);
        if (!force && token_ && clock_.now() < token_refresh_at_) {
            co_return sc::Result<void>();
        }
    }
    const auto requested_at = clock_.now();
    auto response = co_await send_with_failover(
        "token",
        sc::ScRequests::token(options_.username, options_.password,
                              format_go_duration(options_.token_lifetime)),
        timeout, /*authorized=*/false);
    auto token = decode_with<sc::Secret>(response, sc::decode_token);
    if (!token) {
        spdlog::warn("registry token for user '{}' not obtained: {}", options_.username,
                     token.error().describe());
        co_return token.error();
    }
    std::lock_guard lock(token_mutex_);
    token_ = std::move(*token);
    // Refresh well before expiry (10 h of 12 h, like go-chassis), so clock skew and a slow
    // registry never let a heartbeat go out with a dead token.
    token_refresh_at_ = requested_at + options_.token_lifetime * 5 / 6;
    co_return sc::Result<void>();
}

boost::asio::awaitable<ResponseResult> RegistryClient::send(
    std::string_view operation, HttpRequest request,
    std::optional<std::chrono::milliseconds> timeout) {
    const auto per_attempt = timeout.value_or(options_.request_timeout);
    if (auto ready = co_await ensure_token(per_attempt, /*force=*/false); !ready) {
        co_return ready.error();
    }
    const bool auth = !options_.username.empty();
    HttpRequest first_request = auth ? request : std::move(request);  // kept for a 401 retry
    auto result =
        co_await send_with_failover(operation, std::move(first_request), per_attempt, auth);
    if (auth && result && result->status == 401) {
        // Expired, revoked or signed by a restarted registry: one fresh token, one retry.
        spdlog::info("registry {} answered 401; refreshing the token", operation);
        if (auto refreshed = co_await ensure_token(per_attempt, /*force=*/true); !refreshed) {
            co_return refreshed.error();
        }
        result = co_await send_with_failover(operation, std::move(request), per_attempt, auth);
    }
    co_return result;
}

RegistryClient::Awaitable<std::string> RegistryClient::create_service(sc::MicroService service) {
    if (service.register_by.empty()) {
        service.register_by = "SIDECAR";
    }
    auto response = co_await send("create_service", requests_.create_service(service));
    co_return decode_with<std::string>(response, sc::decode_service_id);
}

RegistryClient::Awaitable<std::string> RegistryClient::find_service_id(
    std::string_view app_id, std::string_view service_name, std::string_view version,
    std::string_view environment) {
    auto request = requests_.service_exists(app_id, service_name, version, environment);
    auto response = co_await send("service_exists", std::move(request));
    co_return decode_with<std::string>(response, sc::decode_service_id);
}

RegistryClient::Awaitable<sc::MicroService> RegistryClient::get_service(
    std::string_view service_id) {
    auto response = co_await send("get_service", requests_.get_service(service_id));
    co_return decode_with<sc::MicroService>(response, sc::decode_service);
}

RegistryClient::Awaitable<void> RegistryClient::set_service_properties(
    std::string_view service_id, const sc::Properties& properties) {
    auto request = requests_.set_service_properties(service_id, properties);
    auto response = co_await send("set_service_properties", std::move(request));
    co_return decode_with<void>(response, sc::decode_empty);
}

RegistryClient::Awaitable<std::string> RegistryClient::register_instance(
    std::string_view service_id, const sc::MicroServiceInstance& instance) {
    auto request = requests_.register_instance(service_id, instance);
    auto response = co_await send("register_instance", std::move(request));
    co_return decode_with<std::string>(response, sc::decode_instance_id);
}

RegistryClient::Awaitable<void> RegistryClient::heartbeat(std::string_view service_id,
                                                          std::string_view instance_id) {
    auto response = co_await send("heartbeat", requests_.heartbeat(service_id, instance_id));
    co_return decode_with<void>(response, sc::decode_empty);
}

RegistryClient::Awaitable<std::vector<sc::HeartbeatEntry>> RegistryClient::heartbeat_batch(
    const std::vector<sc::HeartbeatEntry>& entries) {
    auto response = co_await send("heartbeat_batch", requests_.heartbeat_batch(entries));
    co_return decode_with<std::vector<sc::HeartbeatEntry>>(response, sc::decode_heartbeat_batch);
}

RegistryClient::Awaitable<void> RegistryClient::set_instance_status(std::string_view service_id,
                                                                    std::string_view instance_id,
                                                                    std::string_view status) {
    auto request = requests_.set_instance_status(service_id, instance_id, status);
    auto response = co_await send("set_instance_status", std::move(request));
    co_return decode_with<void>(response, sc::decode_empty);
}

RegistryClient::Awaitable<void> RegistryClient::set_instance_properties(
    std::string_view service_id, std::string_view instance_id, const sc::Properties& properties) {
    auto request = requests_.set_instance_properties(service_id, instance_id, properties);
    auto response = co_await send("set_instance_properties", std::move(request));
    co_return decode_with<void>(response, sc::decode_empty);
}

RegistryClient::Awaitable<void> RegistryClient::deregister_instance(std::string_view service_id,
                                                                    std::string_view instance_id) {
    auto request = requests_.deregister_instance(service_id, instance_id);
    auto response = co_await send("deregister_instance", std::move(request));
    co_return decode_with<void>(response, sc::decode_empty);
}

RegistryClient::Awaitable<sc::FindResult> RegistryClient::find_instances(
    const sc::FindQuery& query) {
    auto response = co_await send("find_instances", requests_.find_instances(query));
    co_return decode_with<sc::FindResult>(response, sc::decode_find_instances);
}

RegistryClient::Awaitable<sc::BatchFindResult> RegistryClient::batch_find(
    const sc::BatchFindQuery& query) {
    auto response = co_await send("batch_find", requests_.batch_find(query));
    co_return decode_with<sc::BatchFindResult>(response, sc::decode_batch_find);
}

boost::asio::awaitable<sc::Result<std::vector<std::pair<std::string, std::string>>>>
RegistryClient::upgrade_headers() {
    if (auto ready = co_await ensure_token(options_.request_timeout, /*force=*/false); !ready) {
        co_return ready.error();
    }
    std::vector<std::pair<std::string, std::string>> headers;
    headers.emplace_back(std::string(sc::kDomainHeader), options_.domain);
    if (auto token = current_token()) {
        headers.emplace_back("Authorization", "Bearer " + token->reveal());
    }
    co_return headers;
}

RegistryClient::Awaitable<std::vector<sc::MicroServiceInstance>> RegistryClient::health() {
    auto response = co_await send("health", requests_.health());
    co_return decode_with<std::vector<sc::MicroServiceInstance>>(response, sc::decode_instances);
}

}  // namespace scagent::clients
