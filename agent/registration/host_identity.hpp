#pragma once

#include <optional>
#include <string>
#include <vector>

namespace scagent::registration {

/// The first non-loopback IPv4 address of an interface that is up (getifaddrs order), or
/// nothing when the host has none.
std::optional<std::string> first_non_loopback_ipv4();

/// Replaces the 0.0.0.0 host of `scheme://0.0.0.0:PORT[...]` endpoints by `address`; other
/// endpoints pass unchanged.
std::vector<std::string> advertised_endpoints(const std::vector<std::string>& endpoints,
                                              const std::string& address);

/// What the agent advertises for `rest://0.0.0.0:PORT`: first_non_loopback_ipv4(), else
/// 127.0.0.1 (logged once per call, since consumers on other hosts cannot reach it).
std::string advertise_address();

/// gethostname(), cut to SC's 64 characters; "localhost" if it fails.
std::string system_hostname();

}  // namespace scagent::registration
