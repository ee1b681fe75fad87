#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/net/address_pool.hpp"
#include "agent/net/http_transport.hpp"
#include "plugins/api/clock.hpp"
#include "plugins/registry/servicecomb/model.hpp"
#include "plugins/registry/servicecomb/sc_requests.hpp"
#include "plugins/registry/servicecomb/sc_responses.hpp"

namespace scagent::clients {

namespace sc = plugins::servicecomb;

/// The `registry:` section of agent.yaml, as the client needs it.
struct RegistryClientOptions {
    std::vector<std::string> addresses{};  ///< "http[s]://host:port", one SC cluster
    std::string project = "default";
    std::string domain = "default";  ///< X-Domain-Name
    std::string username{};          ///< RBAC: empty = no token
    sc::Secret password{};
    std::chrono::seconds token_lifetime{12 * 3600};     ///< requested; SC accepts 15m..24h
    std::chrono::milliseconds request_timeout{10'000};  ///< per attempt (an idempotent call
                                                        ///< may make two)
    net::AddressPoolOptions pool{};
};

/// A registry answer (any status), or why none arrived, as the registry error type.
using ResponseResult = sc::Result<plugins::HttpResponse>;

/// A transport error as the registry sees it: network, timeout, tls and too_large keep their
/// kind (so failover and the metrics' `code` label are the transport's); a cancelled exchange
/// counts as network. Message and detail (the origin) are kept.
sc::RegistryError to_registry_error(const net::TransportError& error);

/// One attempt of one registry call, for metrics (sc_agent_registry_requests_total{operation,
/// code}, ..._duration_seconds). `error` is null when a response arrived; `http_status` is 0
/// when none did. Never carries headers or bodies.
struct RequestRecord {
    std::string_view operation{};  ///< "heartbeat", "register_instance", "token", ...
    std::string_view address{};
    int http_status = 0;
    const sc::RegistryError* error = nullptr;
    std::chrono::steady_clock::duration elapsed{};
};
using RequestObserver = std::function<void(const RequestRecord&)>;

/// Service-center v4 client: builds with ScRequests, sends over an HttpTransport, decodes with
/// the sc_responses decoders. Per call:
///  - an address from the pool; an idempotent call that finds the server unavailable (network,
///    timeout, TLS, 5xx) is retried once on another address; outcomes feed the pool;
///  - X-Domain-Name on every request;
///  - with a username, `Authorization: Bearer <token>` from POST /v4/token, fetched lazily,
///    refreshed after 5/6 of its lifetime and once after any 401 (then the call is retried).
/// The token and password live in sc::Secret and are never logged.
///
/// Thread-safety: calls may run concurrently (token state is locked); the transport and clock
/// must outlive the client. Token expiry uses `clock`; request deadlines use real time.
class RegistryClient {
  public:
    RegistryClient(net::HttpTransport& transport, const plugins::Clock& clock,
                   RegistryClientOptions options);

    /// Called after every attempt (metrics). Set before the first call.
    void set_observer(RequestObserver observer) { observer_ = std::move(observer); }

    template <class T>
    using Awaitable = boost::asio::awaitable<sc::Result<T>>;

    /// Create-or-get: SC answers an existing service with its id. registerBy defaults to
    /// "SIDECAR".
    Awaitable<std::string> create_service(sc::MicroService service);
    /// Existence check; 400012/400026 come back as errors.
    Awaitable<std::string> find_service_id(std::string_view app_id, std::string_view service_name,
                                           std::string_view version, std::string_view environment);
    Awaitable<sc::MicroService> get_service(std::string_view service_id);
    Awaitable<void> set_service_properties(std::string_view service_id,
                                           const sc::Properties& properties);

    /// Returns the instanceId; set instance.instance_id to re-register under the previous id.
    Awaitable<std::string> register_instance(std::string_view service_id,
                                             const sc::MicroServiceInstance& instance);
    /// 400017 = instance gone (re-register), 400012 = service gone (recreate).
    Awaitable<void> heartbeat(std::string_view service_id, std::string_view instance_id);
    Awaitable<std::vector<sc::HeartbeatEntry>> heartbeat_batch(
        const std::vector<sc::HeartbeatEntry>& entries);
    Awaitable<void> set_instance_status(std::string_view service_id, std::string_view instance_id,
                                        std::string_view status);
    Awaitable<void> set_instance_properties(std::string_view service_id,
                                            std::string_view instance_id,
                                            const sc::Properties& properties);
    Awaitable<void> deregister_instance(std::string_view service_id, std::string_view instance_id);

    Awaitable<sc::FindResult> find_instances(const sc::FindQuery& query);
    Awaitable<sc::BatchFindResult> batch_find(const sc::BatchFindQuery& query);
    /// SC's own instances (cluster members).
    Awaitable<std::vector<sc::MicroServiceInstance>> health();

    /// Sends any request built by `requests()` with tenancy, auth and failover; for callers with
    /// their own decoder or a longer timeout (long polls).
    boost::asio::awaitable<ResponseResult> send(
        std::string_view operation, plugins::HttpRequest request,
        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    /// Headers of a websocket upgrade to the registry (the watch): X-Domain-Name and, with RBAC,
    /// `Authorization` with a current token (fetched first when due).
    boost::asio::awaitable<sc::Result<std::vector<std::pair<std::string, std::string>>>>
    upgrade_headers();

    const sc::ScRequests& requests() const noexcept { return requests_; }
    net::AddressPool& address_pool() noexcept { return pool_; }

  private:
    /// RBAC sends the password (and then the token) with every login: say so when an address
    /// is plain http, where anyone on the path reads them.
    void warn_plain_http_credentials() const;
    boost::asio::awaitable<ResponseResult> send_with_failover(std::string_view operation,
                                                              plugins::HttpRequest request,
                                                              std::chrono::milliseconds timeout,
                                                              bool authorized);
    boost::asio::awaitable<ResponseResult> attempt(std::string_view operation,
                                                   const std::string& address,
                                                   plugins::HttpRequest request,
                                                   std::chrono::milliseconds timeout,
                                                   bool authorized);
    /// Fetches a token when there is none or it is due for refresh; an error when that fails.
    boost::asio::awaitable<sc::Result<void>> ensure_token(std::chrono::milliseconds timeout,
                                                          bool force);
    std::optional<sc::Secret> current_token() const;

    net::HttpTransport& transport_;
    const plugins::Clock& clock_;
    RegistryClientOptions options_;
    sc::ScRequests requests_;
    net::AddressPool pool_;
    RequestObserver observer_;

    mutable std::mutex token_mutex_;
    std::optional<sc::Secret> token_;
    plugins::Clock::TimePoint token_refresh_at_{};
};

/// "12h", "90m" or "45s": the Go duration SC expects in tokenExpirationTime.
std::string format_go_duration(std::chrono::seconds duration);

}  // namespace scagent::clients
