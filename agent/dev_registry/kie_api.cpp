#include "agent/dev_registry/kie_api.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <charconv>

#include "agent/runtime/asio_tokens.hpp"
#include "config/duration.hpp"

namespace scagent::dev_registry {

using net::Reply;
using net::RouteContext;

namespace {

constexpr std::size_t kMaxQueryLabels = 8;
// Kie's domain comes from RBAC claims; the dev registry has one account, so one domain.
const std::string kDomain = "default";

Reply error(std::int32_t code, std::string detail) {
    return kie_error(ApiError{code, std::move(detail)});
}

Reply json_reply(const OrderedJson& body) {
    return Reply::json(net::status::ok, body.dump());
}

std::optional<std::int64_t> to_int(const std::string& text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

void KieApi::install(net::HttpRouter& router) {
    using V = net::Method;
    const std::string base = "/v1/{project}/kie/kv";
    router.add(V::post, base, net::sync_route([this](RouteContext& c) { return create(c); }));
    router.add(V::get, base, [this](RouteContext& c) { return list(c); });
    router.add(V::delete_, base,
               net::sync_route([this](RouteContext& c) { return remove_many(c); }));
    router.add(V::put, base + "/{id}",
               net::sync_route([this](RouteContext& c) { return update(c); }));
    router.add(V::get, base + "/{id}", net::sync_route([this](RouteContext& c) -> Reply {
                   auto r = store_.get(kDomain, c.param("project"), c.param("id"));
                   if (auto* e = std::get_if<ApiError>(&r)) {
                       return kie_error(*e);
                   }
                   return json_reply(std::get<OrderedJson>(r));
               }));
    router.add(V::delete_, base + "/{id}", net::sync_route([this](RouteContext& c) -> Reply {
                   auto r = store_.remove(kDomain, c.param("project"), c.param("id"));
                   if (auto* e = std::get_if<ApiError>(&r)) {
                       return kie_error(*e);
                   }
                   return Reply::empty(net::status::no_content);
               }));
    router.add(
        V::get, "/v1/health", net::sync_route([this](RouteContext&) -> Reply {
            return json_reply(OrderedJson{{"version", "dev-registry"},
                                          {"revision", std::to_string(store_.revision(kDomain))},
                                          {"timestamp", unix_seconds_now()}});
        }));
}

Reply KieApi::create(RouteContext& c) {
    auto body = parse_body(c.body());
    if (auto* e = std::get_if<ApiError>(&body)) {
        return kie_error(*e);
    }
    auto r = store_.create(kDomain, c.param("project"), std::get<Json>(body));
    if (auto* e = std::get_if<ApiError>(&r)) {
        return kie_error(*e);
    }
    return json_reply(std::get<OrderedJson>(r));
}

Reply KieApi::update(RouteContext& c) {
    auto body = parse_body(c.body());
    if (auto* e = std::get_if<ApiError>(&body)) {
        return kie_error(*e);
    }
    auto r = store_.update(kDomain, c.param("project"), c.param("id"), std::get<Json>(body));
    if (auto* e = std::get_if<ApiError>(&r)) {
        return kie_error(*e);
    }
    return json_reply(std::get<OrderedJson>(r));
}

Reply KieApi::remove_many(RouteContext& c) {
    auto body = parse_body(c.body());
    if (auto* e = std::get_if<ApiError>(&body)) {
        return kie_error(*e);
    }
    const Json* ids = find_field(std::get<Json>(body), "ids");
    if (ids == nullptr || !ids->is_array()) {
        return error(kKieInvalidParams, "ids must be an array of strings");
    }
    std::vector<std::string> list;
    for (const auto& id : *ids) {
        if (!id.is_string()) {
            return error(kKieInvalidParams, "ids must be an array of strings");
        }
        list.push_back(id.get<std::string>());
    }
    store_.remove_many(kDomain, c.param("project"), list);
    return Reply::empty(net::status::no_content);
}

asio::awaitable<Reply> KieApi::list(RouteContext& c) {
    KieStore::ListQuery q;
    const auto labels = c.query_all("label");
    if (labels.size() > kMaxQueryLabels) {
        co_return error(kKieInvalidParams, "at most 8 labels in a query");
    }
    for (const auto& label : labels) {
        const auto colon = label.find(':');
        if (colon == std::string::npos || label.find(':', colon + 1) != std::string::npos) {
            co_return error(kKieInvalidParams, "label must be key:value");
        }
        q.labels[label.substr(0, colon)] = label.substr(colon + 1);
    }
    q.exact = c.query("match").value_or("") == "exact";
    q.key = c.query("key").value_or("");
    q.value = c.query("value").value_or("");
    q.status = c.query("status").value_or("");
    if (!q.status.empty() && q.status != "enabled" && q.status != "disabled") {
        co_return error(kKieInvalidParams, "status must be enabled or disabled");
    }
    if (auto offset = c.query("offset")) {
        auto v = to_int(*offset);
        if (!v || *v < 0) {
            co_return error(kKieInvalidParams, "offset must be a non-negative integer");
        }
        q.offset = *v;
    }
    if (auto limit = c.query("limit")) {
        auto v = to_int(*limit);
        if (!v || *v < 1 || *v > 100) {
            co_return error(kKieInvalidParams, "limit must be 1-100");
        }
        q.limit = *v;
    }
    std::optional<std::int64_t> revision;
    if (auto text = c.query("revision")) {
        revision = to_int(*text);
        if (!revision) {
            co_return error(kKieInvalidParams, "revision must be an int64");
        }
    }
    std::optional<std::chrono::nanoseconds> wait;
    if (auto text = c.query("wait")) {
        wait = config::parse_go_duration(*text);
        if (!wait || *wait > std::chrono::minutes(5)) {
            co_return error(kKieObserveEvent, "wait must be a duration of at most 5m");
        }
        if (!q.key.empty()) {
            co_return error(kKieInvalidParams, "wait cannot be combined with key");
        }
    }
    const auto project = c.param("project");
    const auto respond = [&] {
        auto [body, rev] = store_.list(kDomain, project, q);
        Reply reply = json_reply(body);
        reply.set_header("X-Kie-Revision", std::to_string(rev));
        return reply;
    };
    const auto not_modified = [&](std::int64_t rev) {
        Reply reply = Reply::empty(net::status::not_modified);
        reply.set_header("X-Kie-Revision", std::to_string(rev));
        return reply;
    };
    if (!wait) {
        const auto current = store_.revision(kDomain);
        if (revision && *revision == current) {
            co_return not_modified(current);
        }
        co_return respond();
    }
    // Observe before reading the revision so that no change can slip in between.
    auto executor = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(executor);
    auto fired = std::make_shared<std::atomic<bool>>(false);
    std::weak_ptr<asio::steady_timer> weak_timer = timer;
    const auto id = store_.observe(kDomain, project, q.labels, q.exact, [=] {
        fired->store(true);
        asio::post(executor, [weak_timer] {
            if (auto t = weak_timer.lock()) {
                t->cancel();
            }
        });
    });
    const auto current = store_.revision(kDomain);
    if (revision && *revision != current) {
        store_.unobserve(id);
        co_return respond();
    }
    const auto capped = std::min<std::chrono::nanoseconds>(*wait, max_wait_);
    timer->expires_after(capped);
    if (!fired->load()) {
        co_await timer->async_wait(runtime::kNoThrow);
    }
    store_.unobserve(id);
    // Woken without a change only by KieStore::close (shutdown): nothing new to send.
    if (fired->load() && store_.revision(kDomain) != current) {
        co_return respond();
    }
    co_return not_modified(store_.revision(kDomain));
}

}  // namespace scagent::dev_registry
