#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <string_view>

namespace scagent::plugins {

/// Orders strings ignoring ASCII case; transparent so lookups take a string_view.
struct CaseInsensitiveLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept {
        return std::lexicographical_compare(
            a.begin(), a.end(), b.begin(), b.end(),
            [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
    }
};

using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;
using QueryMap = std::map<std::string, std::string, std::less<>>;

/// What governance matching and load balancing may look at in a request. A plain value filled in
/// by the proxy or the local API; it owns its strings so it can outlive the wire buffers.
struct RequestView {
    std::string method;
    /// Path without the query string.
    std::string path;
    /// Header names compare case-insensitively, as java-chassis does.
    HeaderMap headers;
    QueryMap query;
    /// Consumer side: the target service; provider side: the caller.
    std::string service_name;
    /// Key for SessionStickiness and ConsistentHash (e.g. a session cookie); empty means none.
    std::string affinity_key;

    const std::string* header(std::string_view name) const {
        auto it = headers.find(name);
        return it == headers.end() ? nullptr : &it->second;
    }
    const std::string* query_param(std::string_view name) const {
        auto it = query.find(name);
        return it == query.end() ? nullptr : &it->second;
    }
};

}  // namespace scagent::plugins
