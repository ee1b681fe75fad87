#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/net/route_types.hpp"

namespace scagent::net {

/// Request and status counts of one route, for "who reaches the server" assertions.
struct RouteCounts {
    std::uint64_t requests = 0;
    std::map<unsigned, std::uint64_t> by_status;
};

/// Method + path-pattern router. Patterns are '/'-separated; a segment "{name}" captures one
/// non-empty segment. Literal segments win over captures. Thread-safe after setup.
///
/// An HttpServer serves it (HttpServer's HttpRouter& constructor); the router turns each Reply
/// into the HTTP response.
class HttpRouter {
  public:
    /// `name` keys the counters; it defaults to "METHOD pattern".
    void add(Method method, std::string pattern, RouteHandler handler, std::string name = {});
    /// Called when no route matches (404) or the path matches with another method (405); the
    /// default answers the reason phrase as text/plain.
    void set_fallback(std::function<Reply(const RouteContext&, Status)> fallback);
    /// Runs before routing; a reply it returns is sent instead and not counted (authorization).
    void set_guard(std::function<std::optional<Reply>(const RouteContext&)> guard);
    /// Turns an exception escaping a handler into a reply (not counted). Without it the
    /// exception reaches the server, which answers a plain 500 and closes the connection.
    void set_error_reply(std::function<Reply(const RouteContext&, const std::exception&)> reply);
    /// Whether a '+' in the query decodes to a space, as in form encoding and Go's
    /// url.ParseQuery (the dev registry imitates service-center and kie). The local API turns it
    /// off: its queries are plain RFC 3986, where '+' is itself (`version=1.2.0+`).
    void set_plus_as_space(bool on) { plus_as_space_ = on; }

    std::map<std::string, RouteCounts> counts() const;
    void reset_counts();

  private:
    friend struct RouterAccess;  // the HTTP side, in http_router.cpp

    struct Route {
        Method method;
        std::vector<std::string> segments;
        RouteHandler handler;
        std::string name;
    };
    const Route* match(Method method, const std::vector<std::string>& path,
                       std::map<std::string, std::string>& params, bool& path_matched) const;
    void count(const std::string& name, unsigned status);

    std::vector<Route> routes_;
    std::function<Reply(const RouteContext&, Status)> fallback_;
    std::function<std::optional<Reply>(const RouteContext&)> guard_;
    std::function<Reply(const RouteContext&, const std::exception&)> error_reply_;
    bool plus_as_space_ = true;
    mutable std::mutex counts_mutex_;
    std::map<std::string, RouteCounts> counts_;
};

/// Splits "/a/b" into {"a","b"}; empty segments are kept ("/a//b" gives {"a","","b"}).
std::vector<std::string> split_path(std::string_view path);

}  // namespace scagent::net
