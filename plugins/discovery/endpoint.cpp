#include "plugins/discovery/endpoint.hpp"

#include <charconv>

namespace scagent::plugins::discovery {

std::optional<HostPort> parse_rest_endpoint(std::string_view endpoint) noexcept {
    constexpr std::string_view kScheme = "rest://";
    if (!endpoint.starts_with(kScheme)) {
        return std::nullopt;
    }
    std::string_view rest = endpoint.substr(kScheme.size());
    rest = rest.substr(0, rest.find_first_of("/?#"));
    std::string_view host;
    std::string_view port;
    if (rest.starts_with('[')) {
        std::size_t close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return std::nullopt;
        }
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        std::size_t colon = rest.rfind(':');
        if (colon == std::string_view::npos || rest.find(':') != colon) {
            return std::nullopt;
        }
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || port.empty() || ec != std::errc{} || ptr != port.data() + port.size() ||
        value == 0 || value > 65535) {
        return std::nullopt;
    }
    try {
        return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<HostPort> first_rest_endpoint(std::span<const std::string> endpoints) noexcept {
    for (const std::string& endpoint : endpoints) {
        if (auto parsed = parse_rest_endpoint(endpoint)) {
            return parsed;
        }
    }
    return std::nullopt;
}

}  // namespace scagent::plugins::discovery
