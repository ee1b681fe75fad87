#include "agent/net/http_router.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>

namespace scagent::net {

namespace {
const std::string kEmpty;
}  // namespace

const std::string& RouteContext::param(const std::string& name) const {
    auto it = params_.find(name);
    return it == params_.end() ? kEmpty : it->second;
}

std::optional<std::string> RouteContext::query(std::string_view name) const {
    const boost::urls::url_view view(url_);
    for (auto p : view.params(boost::urls::encoding_opts(plus_as_space_))) {
        if (p.key == name) {
            return std::string(p.value);
        }
    }
    return std::nullopt;
}

std::vector<std::string> RouteContext::query_all(std::string_view name) const {
    std::vector<std::string> out;
    const boost::urls::url_view view(url_);
    for (auto p : view.params(boost::urls::encoding_opts(plus_as_space_))) {
        if (p.key == name) {
            out.emplace_back(p.value);
        }
    }
    return out;
}

std::string RouteContext::header(std::string_view name) const {
    auto it = request_.find(name);
    return it == request_.end() ? std::string() : std::string(it->value());
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

void HttpRouter::add(http::verb method, std::string pattern, RouteHandler handler,
                     std::string name) {
    if (name.empty()) {
        name = std::string(http::to_string(method)) + " " + pattern;
    }
    routes_.push_back(Route{method, split_path(pattern), std::move(handler), std::move(name)});
}

void HttpRouter::set_fallback(
    std::function<HttpResponse(const HttpRequest&, http::status)> fallback) {
    fallback_ = std::move(fallback);
}

const HttpRouter::Route* HttpRouter::match(http::verb method, const std::vector<std::string>& path,
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

asio::awaitable<HttpReply> HttpRouter::dispatch(HttpRequest& req) {
    auto parsed = boost::urls::parse_origin_form(req.target());
    const auto not_found = [&](http::status status) {
        if (fallback_) {
            return fallback_(req, status);
        }
        return make_response(req, status, std::string(http::obsolete_reason(status)) + "\n",
                             "text/plain; charset=UTF-8");
    };
    if (!parsed) {
        count("(bad target)", 400);
        co_return not_found(http::status::bad_request);
    }
    boost::urls::url url(*parsed);
    std::vector<std::string> path;
    for (auto seg : url.segments()) {
        path.emplace_back(seg);
    }
    if (!path.empty() && path.back().empty()) {
        path.pop_back();  // tolerate a trailing slash
    }
    RouteContext ctx(req, std::move(url), plus_as_space_);
    bool path_matched = false;
    const Route* route = match(req.method(), path, ctx.params(), path_matched);
    if (route == nullptr) {
        const auto status =
            path_matched ? http::status::method_not_allowed : http::status::not_found;
        count("(unmatched)", static_cast<unsigned>(status));
        co_return not_found(status);
    }
    HttpReply reply = co_await route->handler(ctx);
    count(route->name, reply.websocket ? 101u : reply.response.result_int());
    co_return reply;
}

HttpHandler HttpRouter::handler() {
    return [this](HttpRequest& req) { return dispatch(req); };
}

asio::awaitable<HttpReply> ready_reply(HttpReply reply) {
    co_return reply;
}

RouteHandler sync_route(std::function<HttpReply(RouteContext&)> handler) {
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
