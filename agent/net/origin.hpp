#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace scagent::net {

/// Parsed "http[s]://host[:port]" origin; `valid` false on anything else.
struct Origin {
    bool valid = false;
    bool tls = false;
    std::string host{};  ///< without IPv6 brackets
    std::uint16_t port = 0;

    /// Normalised pool key, "https://host:443".
    std::string key() const;
    /// Host header value: port omitted when it is the scheme default.
    std::string host_header() const;
};

Origin parse_origin(std::string_view origin);

}  // namespace scagent::net
