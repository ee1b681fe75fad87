#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace scagent::plugins::discovery {

/// Where to dial an instance, taken from a `rest://host:port[/...][?query]` endpoint.
struct HostPort {
    std::string host;  ///< IPv6 literals without their brackets
    std::uint16_t port = 0;

    bool operator==(const HostPort&) const = default;
};

/// nullopt unless `endpoint` is `rest://` followed by a host and a port 1..65535. IPv6 hosts are
/// written `[::1]`. The `rest:127.0.0.1:8080` form some examples show is not accepted.
std::optional<HostPort> parse_rest_endpoint(std::string_view endpoint) noexcept;

/// The first endpoint of `endpoints` that parses, or nullopt.
std::optional<HostPort> first_rest_endpoint(std::span<const std::string> endpoints) noexcept;

}  // namespace scagent::plugins::discovery
