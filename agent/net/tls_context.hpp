#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace scagent::net {

/// `registry.tls` of agent.yaml. Used only for https:// origins.
struct TlsOptions {
    std::string ca_file{};    ///< PEM bundle; empty = the system trust store
    std::string cert_file{};  ///< client certificate chain (mutual TLS); empty = none
    std::string key_file{};   ///< its private key (PEM)
    bool verify = true;       ///< false skips chain and host name checks (tests, emergencies)
};

/// A TLS 1.2+ client context: peer verification against the CA (or the system store), and the
/// client certificate when configured. Host name checks are per connection (the caller's).
/// Throws std::runtime_error naming the option and file when a file cannot be loaded.
boost::asio::ssl::context make_client_tls_context(const TlsOptions& options);

/// A client TLS context made when the first https:// origin needs it. OpenSSL's tables cost
/// an agent about 4 MiB of resident memory per context (SSL_CTX_new plus the system trust
/// store's lookup), which an agent talking plain HTTP to its registry never needs. When the
/// options name files (ca_file, cert_file), the context is made at once instead, so a wrong
/// path still fails at startup. Thread-safe.
class LazyTlsContext {
  public:
    explicit LazyTlsContext(TlsOptions options);

    /// The context, made on the first call.
    boost::asio::ssl::context& get();

  private:
    TlsOptions options_;
    std::once_flag once_;
    std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace scagent::net
