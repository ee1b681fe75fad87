#pragma once

#include <boost/url/url.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/net/http_types.hpp"

namespace scagent::net {

/// One matched request: the request, path parameters and the decoded query.
class RouteContext {
  public:
    RouteContext(HttpRequest& request, boost::urls::url url, bool plus_as_space = true)
        : request_(request), url_(std::move(url)), plus_as_space_(plus_as_space) {}

    HttpRequest& request() { return request_; }
    const HttpRequest& request() const { return request_; }
    const std::string& param(const std::string& name) const;
    /// First value of query parameter `name`, percent-decoded ('+' as the router decodes it).
    std::optional<std::string> query(std::string_view name) const;
    /// Every value of a repeated query parameter, in order.
    std::vector<std::string> query_all(std::string_view name) const;
    std::string header(std::string_view name) const;

    std::map<std::string, std::string>& params() { return params_; }

  private:
    HttpRequest& request_;
    boost::urls::url url_;
    bool plus_as_space_;
    std::map<std::string, std::string> params_;
};

using RouteHandler = std::function<asio::awaitable<HttpReply>(RouteContext&)>;

/// An already-computed reply as an awaitable (takes its argument by value: no dangling).
asio::awaitable<HttpReply> ready_reply(HttpReply reply);

/// Adapts a handler that never suspends. It runs before the coroutine frame is created, so a
/// capturing lambda is safe here, unlike a capturing coroutine lambda.
RouteHandler sync_route(std::function<HttpReply(RouteContext&)> handler);

/// Request and status counts of one route, for "who reaches the server" assertions.
struct RouteCounts {
    std::uint64_t requests = 0;
    std::map<unsigned, std::uint64_t> by_status;
};

/// Method + path-pattern router. Patterns are '/'-separated; a segment "{name}" captures one
/// non-empty segment. Literal segments win over captures. Thread-safe after setup.
class HttpRouter {
  public:
    /// `name` keys the counters; it defaults to "METHOD pattern".
    void add(http::verb method, std::string pattern, RouteHandler handler, std::string name = {});
    /// Called when no route matches (404) or the path matches with another method (405).
    void set_fallback(std::function<HttpResponse(const HttpRequest&, http::status)> fallback);
    /// Whether a '+' in the query decodes to a space, as in form encoding and Go's
    /// url.ParseQuery (the dev registry imitates service-center and kie). The local API turns it
    /// off: its queries are plain RFC 3986, where '+' is itself (`version=1.2.0+`).
    void set_plus_as_space(bool on) { plus_as_space_ = on; }

    asio::awaitable<HttpReply> dispatch(HttpRequest& req);
    /// An HttpHandler bound to this router; the router must outlive the server using it.
    HttpHandler handler();

    std::map<std::string, RouteCounts> counts() const;
    void reset_counts();

  private:
    struct Route {
        http::verb method;
        std::vector<std::string> segments;
        RouteHandler handler;
        std::string name;
    };
    const Route* match(http::verb method, const std::vector<std::string>& path,
                       std::map<std::string, std::string>& params, bool& path_matched) const;
    void count(const std::string& name, unsigned status);

    std::vector<Route> routes_;
    std::function<HttpResponse(const HttpRequest&, http::status)> fallback_;
    bool plus_as_space_ = true;
    mutable std::mutex counts_mutex_;
    std::map<std::string, RouteCounts> counts_;
};

/// Splits "/a/b" into {"a","b"}; empty segments are kept ("/a//b" gives {"a","","b"}).
std::vector<std::string> split_path(std::string_view path);

}  // namespace scagent::net
