#include "agent/net/http_router.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <stdexcept>

#include "agent/net/http_types.hpp"

namespace scagent::net {

/// The server's request behind a RouteContext, and its target parsed once.
struct RouteContext::Request {
    const HttpRequest& http;
    std::optional<boost::urls::url> url;  // none when the target does not parse
    bool plus_as_space;
    std::string_view path;  // the target up to '?'
};

namespace {

const std::string kEmpty;

Method method_of(http::verb verb) {
    switch (verb) {
        case http::verb::get:
            return Method::get;
        case http::verb::head:
            return Method::head;
        case http::verb::post:
            return Method::post;
        case http::verb::put:
            return Method::put;
        case http::verb::delete_:
            return Method::delete_;
        case http::verb::patch:
            return Method::patch;
        case http::verb::options:
            return Method::options;
        default:
            return Method::other;
    }
}

/// The one place a Reply becomes a response: version and keep-alive from the request, then
/// Content-Type, the body with its Content-Length, and the extra headers.
HttpReply to_response(const HttpRequest& req, Reply reply) {
    HttpResponse res{static_cast<http::status>(reply.status), req.version()};
    if (!reply.content_type.empty()) {
        res.set(http::field::content_type, reply.content_type);
    }
    res.keep_alive(req.keep_alive());
    res.body() = std::move(reply.body);
    res.prepare_payload();
    for (auto& [name, value] : reply.headers) {
        res.set(name, value);
    }
    HttpReply out(std::move(res));
    out.websocket = std::move(reply.websocket);
    return out;
}

}  // namespace

std::string_view to_string(Method method) {
    switch (method) {
        case Method::get:
            return "GET";
        case Method::head:
            return "HEAD";
        case Method::post:
            return "POST";
        case Method::put:
            return "PUT";
        case Method::delete_:
            return "DELETE";
        case Method::patch:
            return "PATCH";
        case Method::options:
            return "OPTIONS";
        case Method::other:
            break;
    }
    return "OTHER";
}

std::string_view reason_phrase(Status status) {
    return http::obsolete_reason(static_cast<http::status>(status));
}

Reply Reply::json(Status status, std::string body) {
    return Reply(status, std::move(body), "application/json");
}

Reply Reply::text(Status status, std::string body) {
    return Reply(status, std::move(body), "text/plain; charset=UTF-8");
}

Reply Reply::empty(Status status) {
    return Reply(status, {}, {});
}

Reply& Reply::set_header(std::string_view name, std::string value) {
    for (auto& header : headers) {
        if (beast::iequals(header.first, name)) {
            header.second = std::move(value);
            return *this;
        }
    }
    headers.emplace_back(std::string(name), std::move(value));
    return *this;
}

Method RouteContext::method() const {
    return method_of(request_->http.method());
}

std::string_view RouteContext::method_name() const {
    return request_->http.method_string();
}

std::string_view RouteContext::target() const {
    return request_->http.target();
}

std::string_view RouteContext::path() const {
    return request_->path;
}

std::string_view RouteContext::raw_query() const {
    const auto target = this->target();
    const auto mark = target.find('?');
    return target.substr(mark == std::string_view::npos ? target.size() : mark + 1);
}

std::string RouteContext::header(std::string_view name) const {
    const auto& req = request_->http;
    auto it = req.find(name);
    return it == req.end() ? std::string() : std::string(it->value());
}

const std::string& RouteContext::body() const {
    return request_->http.body();
}

bool RouteContext::is_websocket_upgrade() const {
    return net::is_websocket_upgrade(request_->http);
}

const std::string& RouteContext::param(const std::string& name) const {
    auto it = params_.find(name);
    return it == params_.end() ? kEmpty : it->second;
}

std::optional<std::string> RouteContext::query(std::string_view name) const {
    if (!request_->url) {
        return std::nullopt;
    }
    const boost::urls::url_view view(*request_->url);
    for (auto p : view.params(boost::urls::encoding_opts(request_->plus_as_space))) {
        if (p.key == name) {
            return std::string(p.value);
        }
    }
    return std::nullopt;
}

std::vector<std::string> RouteContext::query_all(std::string_view name) const {
    std::vector<std::string> out;
    if (!request_->url) {
        return out;
    }
    const boost::urls::url_view view(*request_->url);
    for (auto p : view.params(boost::urls::encoding_opts(request_->plus_as_space))) {
        if (p.key == name) {
            out.emplace_back(p.value);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> RouteContext::query_params() const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!request_->url) {
        return out;
    }
    const boost::urls::url_view view(*request_->url);
    for (auto p : view.params(boost::urls::encoding_opts(request_->plus_as_space))) {
        out.emplace_back(p.key, p.value);
    }
    return out;
}

std::vector<std::string> RouteContext::path_segments() const {
    std::vector<std::string> out;
    if (request_->url) {
        for (auto segment : boost::urls::url_view(*request_->url).segments()) {
            out.emplace_back(segment);
        }
    }
    return out;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    if (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    while (!path.empty()) {
        const auto slash = path.find('/');
        out.emplace_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return out;
}

void HttpRouter::add(Method method, std::string pattern, RouteHandler handler, std::string name) {
    if (method == Method::other) {
        throw std::invalid_argument("a route needs a named method: " + pattern);
    }
    if (name.empty()) {
        name = std::string(to_string(method)) + " " + pattern;
    }
    routes_.push_back(Route{method, split_path(pattern), std::move(handler), std::move(name)});
}

void HttpRouter::set_fallback(std::function<Reply(const RouteContext&, Status)> fallback) {
    fallback_ = std::move(fallback);
}

void HttpRouter::set_guard(std::function<std::optional<Reply>(const RouteContext&)> guard) {
    guard_ = std::move(guard);
}

void HttpRouter::set_error_reply(
    std::function<Reply(const RouteContext&, const std::exception&)> reply) {
    error_reply_ = std::move(reply);
}

const HttpRouter::Route* HttpRouter::match(Method method, const std::vector<std::string>& path,
                                           std::map<std::string, std::string>& params,
                                           bool& path_matched) const {
    const Route* best = nullptr;
    int best_literals = -1;
    for (const auto& route : routes_) {
        if (route.segments.size() != path.size()) {
            continue;
        }
        int literals = 0;
        bool ok = true;
        for (std::size_t i = 0; i < path.size() && ok; ++i) {
            const auto& seg = route.segments[i];
            if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
                ok = !path[i].empty();
            } else {
                ok = seg == path[i];
                literals += ok ? 1 : 0;
            }
        }
        if (!ok) {
            continue;
        }
        path_matched = true;
        if (route.method == method && literals > best_literals) {
            best = &route;
            best_literals = literals;
        }
    }
    if (best != nullptr) {
        for (std::size_t i = 0; i < path.size(); ++i) {
            const auto& seg = best->segments[i];
            if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
                params[seg.substr(1, seg.size() - 2)] = path[i];
            }
        }
    }
    return best;
}

/// The HTTP side of the router: Beast request in, Beast response out.
struct RouterAccess {
    static asio::awaitable<HttpReply> dispatch(HttpRouter& router, HttpRequest& req) {
        const std::string_view target = req.target();
        RouteContext::Request request{req, std::nullopt, router.plus_as_space_,
                                      target.substr(0, target.find('?'))};
        if (auto parsed = boost::urls::parse_origin_form(target)) {
            request.url.emplace(*parsed);
        }
        RouteContext ctx(request);
        if (router.guard_) {
            if (auto refused = router.guard_(ctx)) {
                co_return to_response(req, std::move(*refused));
            }
        }
        const auto not_found = [&](Status code) {
            if (router.fallback_) {
                return router.fallback_(ctx, code);
            }
            return Reply::text(code, std::string(reason_phrase(code)) + "\n");
        };
        if (!request.url) {
            router.count("(bad target)", status::bad_request);
            co_return to_response(req, not_found(status::bad_request));
        }
        std::vector<std::string> path = ctx.path_segments();
        if (!path.empty() && path.back().empty()) {
            path.pop_back();  // tolerate a trailing slash
        }
        bool path_matched = false;
        const auto* route = router.match(ctx.method(), path, ctx.params(), path_matched);
        if (route == nullptr) {
            const Status code = path_matched ? status::method_not_allowed : status::not_found;
            router.count("(unmatched)", code);
            co_return to_response(req, not_found(code));
        }
        Reply reply;
        if (!router.error_reply_) {
            reply = co_await route->handler(ctx);
        } else {
            std::optional<Reply> failed;
            try {
                reply = co_await route->handler(ctx);
            } catch (const std::exception& e) {
                failed = router.error_reply_(ctx, e);
            }
            if (failed) {
                co_return to_response(req, std::move(*failed));
            }
        }
        router.count(route->name, reply.websocket ? 101u : reply.status);
        co_return to_response(req, std::move(reply));
    }
};

HttpHandler router_handler(HttpRouter& router) {
    return [&router](HttpRequest& req) { return RouterAccess::dispatch(router, req); };
}

asio::awaitable<Reply> ready_reply(Reply reply) {
    co_return reply;
}

RouteHandler sync_route(std::function<Reply(RouteContext&)> handler) {
    return [handler = std::move(handler)](RouteContext& ctx) { return ready_reply(handler(ctx)); };
}

void HttpRouter::count(const std::string& name, unsigned status) {
    std::lock_guard lock(counts_mutex_);
    auto& c = counts_[name];
    ++c.requests;
    ++c.by_status[status];
}

std::map<std::string, RouteCounts> HttpRouter::counts() const {
    std::lock_guard lock(counts_mutex_);
    return counts_;
}

void HttpRouter::reset_counts() {
    std::lock_guard lock(counts_mutex_);
    counts_.clear();
}

}  // namespace scagent::net
