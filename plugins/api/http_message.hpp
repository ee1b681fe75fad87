#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scagent::plugins {

/// Header list in wire order. A vector, not a map: messages carry a handful of headers and a
/// header may legally repeat.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// ASCII case-insensitive comparison, as HTTP field names require.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// First value of `name` (case-insensitive), or nullptr.
inline const std::string* find_header(const HttpHeaders& headers, std::string_view name) noexcept {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return &value;
        }
    }
    return nullptr;
}

/// Replaces every `name` field by one with `value`.
inline void set_header(HttpHeaders& headers, std::string_view name, std::string value) {
    std::erase_if(headers, [name](const auto& field) { return iequals(field.first, name); });
    headers.emplace_back(std::string(name), std::move(value));
}

/// An HTTP request as plugins build it: no sockets, no Boost. The transport adds Host,
/// Content-Length and connection management.
struct HttpRequest {
    std::string method = "GET";
    std::string target{};   ///< path + query, already escaped: "/v4/default/registry/instances?..."
    HttpHeaders headers{};  ///< Authorization values here are secrets: never log headers whole
    std::string body{};
    /// "http://host:port" or "https://host:port"; chosen by whoever picks the server (address
    /// pool), left empty by request builders.
    std::string origin{};
    /// Safe to send twice (the transport may replay it on a fresh connection, the registry client
    /// on another address). Builders set it per operation, not per method: SC's create-service
    /// POST is idempotent, for example.
    bool idempotent = false;

    const std::string* header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
};

struct HttpResponse {
    int status = 0;
    HttpHeaders headers{};
    std::string body{};

    const std::string* header(std::string_view name) const noexcept {
        return find_header(headers, name);
    }
    bool ok() const noexcept { return status >= 200 && status < 300; }
};

}  // namespace scagent::plugins
