#pragma once

#include <boost/asio/ssl/context.hpp>
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

}  // namespace scagent::net
