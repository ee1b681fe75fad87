#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/net/http_transport.hpp"
#include "agent/net/origin.hpp"
#include "agent/net/tls_context.hpp"

namespace scagent::net {

struct HttpClientOptions {
    TlsOptions tls{};
    std::size_t max_response_bytes = 8 * 1024 * 1024;  ///< body bound; above it: too_large
    std::size_t max_idle_per_origin = 4;               ///< pooled keep-alive connections
    /// A pooled connection idle longer than this is closed instead of reused: servers drop idle
    /// connections (SC after 60 s) and a reuse that races their close costs a retry.
    std::chrono::milliseconds idle_timeout{30'000};
    std::string user_agent = "sc-agent";
};

/// Beast HTTP/1.1 client implementing HttpTransport.
///
/// - One keep-alive pool per origin (scheme, host, port). A pooled connection is checked before
///   reuse (a peer close shows up as a readable EOF); if an idempotent request still fails on a
///   reused connection before any response byte, it is replayed once on a fresh connection.
/// - https: TLS 1.2+, chain verified against `tls.ca_file`, SNI and host name (or IP) checked.
/// - Every step (resolve, connect, handshake, write, read) runs under the request's deadline.
///
/// Thread-safety: the pool is locked, so send() may run concurrently; each send() must run on
/// one strand (or a single-threaded io_context). The client must outlive its send() calls.
class HttpClient final : public HttpTransport {
  public:
    /// Throws std::runtime_error naming the file when a TLS file cannot be loaded. Sockets and
    /// timers live on the executor of the coroutine calling send().
    explicit HttpClient(HttpClientOptions options);
    ~HttpClient() override;
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    boost::asio::awaitable<HttpResult> send(plugins::HttpRequest request,
                                            Deadline deadline) override;

    /// Closes every pooled connection (shutdown, or after a TLS config change).
    void close_idle();
    std::size_t idle_connections() const;
    /// Connections opened so far (for tests and a future metric).
    std::uint64_t connections_opened() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scagent::net
