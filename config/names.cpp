#include "config/names.hpp"

#include <charconv>
#include <string_view>

namespace scagent::config {
namespace {

// Hand-written scans instead of std::regex: these run on every proxied call (service names and
// X-Sc-App come from clients), and std::regex is slow and recursive.

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_name_char(char c) {
    return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

// appId / serviceName alphabet: alphanumeric at both ends, [_.-] allowed inside (service-center's
// ^[a-zA-Z0-9]*$|^[a-zA-Z0-9][a-zA-Z0-9_\-.]*[a-zA-Z0-9]$).
bool is_name(std::string_view value) {
    if (value.empty()) {
        return true;
    }
    if (!is_alnum(value.front()) || !is_alnum(value.back())) {
        return false;
    }
    for (const char c : value) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    return true;
}

/// ^\d+(\.\d+){0,3}$
bool is_version(std::string_view value) {
    int segments = 0;
    while (true) {
        std::size_t digits = 0;
        while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') {
            ++digits;
        }
        if (digits == 0 || ++segments > 4) {
            return false;
        }
        value.remove_prefix(digits);
        if (value.empty()) {
            return true;
        }
        if (value.front() != '.') {
            return false;
        }
        value.remove_prefix(1);
    }
}

bool parse_port(std::string_view text, int min, int& port) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    return ec == std::errc() && end == text.data() + text.size() && port >= min && port <= 65535;
}

/// Splits "host:port" / "[v6]:port" (and ":port" when `empty_host`); returns false when the form
/// is wrong.
bool split_host_port(std::string_view text, std::string_view& host, std::string_view& port,
                     bool empty_host = false) {
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return false;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return false;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return false;  // a bare IPv6 address needs brackets
        }
    }
    return empty_host || !host.empty();
}

}  // namespace

std::string check_app_id(const std::string& value) {
    if (value.size() > 160) {
        return "must be at most 160 characters";
    }
    if (!is_name(value)) {
        return "'" + value + "' may only contain letters, digits, '_', '-' and '.', and must " +
               "start and end with a letter or digit";
    }
    return {};
}

std::string check_service_name(const std::string& value) {
    if (value.empty()) {
        return "must not be empty";
    }
    if (value.size() > 128) {
        return "must be at most 128 characters";
    }
    return check_app_id(value);
}

std::string check_version(const std::string& value) {
    if (value.size() > 64 || !is_version(value)) {
        return "'" + value + "' is not a version: use 1 to 4 dot-separated numbers, e.g. 1.2.0";
    }
    std::string_view rest = value;
    while (!rest.empty()) {
        const auto dot = rest.find('.');
        const std::string_view segment = rest.substr(0, dot);
        int number = 0;
        const auto [end, ec] =
            std::from_chars(segment.data(), segment.data() + segment.size(), number);
        if (ec != std::errc() || end != segment.data() + segment.size() || number > 32767) {
            return "'" + value + "': each version segment must be between 0 and 32767";
        }
        rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    }
    return {};
}

std::string check_environment(const std::string& value) {
    if (value.empty() || value == "development" || value == "testing" || value == "acceptance" ||
        value == "production") {
        return {};
    }
    return "'" + value + "' is not an environment: use development, testing, acceptance, " +
           "production or leave it empty";
}

std::string check_datacenter_field(const std::string& value) {
    if (value.empty()) {
        return {};
    }
    if (value.size() > 128 ||
        value.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
            std::string::npos) {
        return "'" + value + "' must be 1 to 128 characters of letters, digits, '_', '.', '-'";
    }
    return {};
}

std::string check_hostname(const std::string& value) {
    if (value.size() > 64) {
        return "must be at most 64 characters";
    }
    if (!value.empty() && value.find_first_not_of(" \t") == std::string::npos) {
        return "must contain a non-space character";
    }
    return {};
}

std::string check_endpoint(const std::string& value) {
    const auto scheme_end = value.find("://");
    if (scheme_end == std::string::npos || scheme_end == 0) {
        return "'" + value + "' is not an endpoint: use scheme://host:port, e.g. " +
               "rest://10.0.0.5:8080";
    }
    std::string_view rest = std::string_view(value).substr(scheme_end + 3);
    rest = rest.substr(0, rest.find_first_of("/?"));
    std::string_view host;
    std::string_view port_text;
    int port = 0;
    if (!split_host_port(rest, host, port_text) || !parse_port(port_text, 1, port)) {
        return "'" + value + "' needs a host and a port between 1 and 65535, e.g. " +
               "rest://10.0.0.5:8080";
    }
    return {};
}

namespace {

std::string check_host_port(const std::string& value, bool empty_host) {
    std::string_view host;
    std::string_view port_text;
    int port = 0;
    if (!split_host_port(value, host, port_text, empty_host) || !parse_port(port_text, 0, port)) {
        return "'" + value + "' is not a listen address: use host:port, e.g. 127.0.0.1:30102";
    }
    return {};
}

}  // namespace

std::string check_listen_address(const std::string& value) {
    return check_host_port(value, false);
}

std::string check_bind_address(const std::string& value) {
    return check_host_port(value, true);
}

std::optional<std::pair<std::string, int>> http_host_port(std::string_view value) {
    if (!value.starts_with("http://")) {
        return std::nullopt;
    }
    auto rest = value.substr(7);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    std::string_view host = rest;
    std::string_view port_text = "80";
    if (rest.starts_with('[') || rest.find(':') != std::string_view::npos) {
        if (!split_host_port(rest, host, port_text)) {
            return std::nullopt;
        }
    }
    int port = 0;
    if (host.empty() || !parse_port(port_text, 1, port)) {
        return std::nullopt;
    }
    return std::pair{std::string(host), port};
}

std::string check_http_url(const std::string& value) {
    std::string_view rest;
    if (value.starts_with("http://")) {
        rest = std::string_view(value).substr(7);
    } else if (value.starts_with("https://")) {
        rest = std::string_view(value).substr(8);
    } else {
        return "'" + value + "' must start with http:// or https://";
    }
    rest = rest.substr(0, rest.find_first_of("/?"));
    if (rest.empty()) {
        return "'" + value + "' has no host";
    }
    std::string_view host;
    std::string_view port_text;
    int port = 0;
    if (rest.find(':') != std::string_view::npos && !rest.starts_with('[')) {
        if (!split_host_port(rest, host, port_text) || !parse_port(port_text, 1, port)) {
            return "'" + value + "' has an invalid port";
        }
    }
    return {};
}

}  // namespace scagent::config
