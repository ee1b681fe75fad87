#include "agent/api/discovery_routes.hpp"

#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "config/names.hpp"

#include <memory>
#include <optional>

namespace scagent::api {
namespace {

namespace asio = boost::asio;
using discovery::InstanceCache;

net::Reply error_reply(const ApiError& error) {
    return net::Reply::json(error.status, error_body(error));
}

/// The answer for a lookup that holds no usable set, if any: 503 while nothing is cached, 404
/// when the registry says the service does not exist.
std::optional<ApiError> lookup_error(const InstanceCache::Lookup& lookup,
                                     const discovery::CacheKey& key) {
    if (lookup.state == InstanceCache::State::kOverLimit) {
        return too_many_services(key);
    }
    if (lookup.state != InstanceCache::State::kReady || !lookup.set) {
        return registry_unavailable(key);
    }
    if (!lookup.set->service_found) {
        return service_not_found(key);
    }
    return std::nullopt;
}

struct Shared {
    discovery::Discovery& discovery;
    std::function<DiscoveryDefaults()> defaults;
};

asio::awaitable<net::Reply> instances_route(std::shared_ptr<const Shared> shared,
                                            DiscoveryQuery query) {
    auto executor = co_await asio::this_coro::executor;
    auto& discovery = shared->discovery;
    auto lookup = co_await discovery.lookup(executor, query.key);
    if (query.index && lookup.set && lookup.set->index == *query.index) {
        // Consul-style: answer once the set differs from what the caller holds, or at the end
        // of `wait` with the unchanged set.
        co_await discovery.waiters().wait_for_change(executor, query.key, *query.index, query.wait);
        lookup = discovery.cache().get(query.key);
    }
    co_return instances_reply(lookup, query, discovery.cache().clock().now());
}

asio::awaitable<net::Reply> select_route(std::shared_ptr<const Shared> shared,
                                         DiscoveryQuery query) {
    auto executor = co_await asio::this_coro::executor;
    auto& discovery = shared->discovery;
    auto lookup = co_await discovery.lookup(executor, query.key);
    if (auto error = lookup_error(lookup, query.key)) {
        co_return error_reply(*error);
    }
    const auto& set = *lookup.set;
    auto candidates = plugins::discovery::filter_instances(*set.set, query.filter);
    const auto passing = candidates.size();
    query.request.affinity_key = query.hash_key;
    const auto* chosen = discovery.selector().select(set, candidates, query.request);
    if (chosen == nullptr) {
        std::string filters = passing == 0
                                  ? "the filters"
                                  : "the filters (" + std::to_string(passing) +
                                        " passed, but were isolated or left out by the route rule)";
        co_return error_reply(no_instance(query.key, filters));
    }
    auto body = select_answer(set, *chosen, discovery.cache().clock().now());
    auto reply = net::Reply::json(
        net::status::ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    reply.set_header(kIndexHeader, std::to_string(set.index));
    co_return reply;
}

/// {"instanceId": string, "success": bool, "latencyMs": number >= 0 (optional)}.
net::Reply outcome_route(const Shared& shared, net::RouteContext& ctx) {
    if (auto error = config::check_service_name(ctx.param("name")); !error.empty()) {
        return error_reply(bad_request("name", error));
    }
    auto body = nlohmann::json::parse(ctx.body(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
        return error_reply(bad_request("body",
                                       "must be a JSON object "
                                       "{\"instanceId\",\"success\",\"latencyMs\"}"));
    }
    auto id = body.find("instanceId");
    if (id == body.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
        return error_reply(bad_request("instanceId", "must be a non-empty string"));
    }
    auto success = body.find("success");
    if (success == body.end() || !success->is_boolean()) {
        return error_reply(bad_request("success", "must be true or false"));
    }
    std::chrono::milliseconds latency{0};
    if (auto found = body.find("latencyMs"); found != body.end()) {
        if (!found->is_number() || found->get<double>() < 0 || found->get<double>() > 1e12) {
            return error_reply(bad_request("latencyMs", "must be a number >= 0"));
        }
        latency = std::chrono::milliseconds(static_cast<std::int64_t>(found->get<double>()));
    }
    const auto& instance_id = id->get_ref<const std::string&>();
    if (!shared.discovery.record_outcome(ctx.param("name"), instance_id, success->get<bool>(),
                                         latency)) {
        return error_reply(instance_not_found(ctx.param("name"), instance_id));
    }
    return net::Reply::empty(net::status::no_content);
}

}  // namespace

net::Reply instances_reply(const InstanceCache::Lookup& lookup, const DiscoveryQuery& query,
                           plugins::Clock::TimePoint now) {
    if (auto error = lookup_error(lookup, query.key)) {
        auto reply = error_reply(*error);
        if (lookup.set) {
            reply.set_header(kIndexHeader, std::to_string(lookup.set->index));
        }
        return reply;
    }
    auto reply =
        net::Reply::json(net::status::ok, render_instances_answer(*lookup.set, query.filter, now));
    reply.set_header(kIndexHeader, std::to_string(lookup.set->index));
    return reply;
}

DiscoveryDefaults discovery_defaults(const std::vector<config::ServiceDescriptor>& services) {
    DiscoveryDefaults defaults;
    if (!services.empty()) {
        defaults.app = services.front().service.app;
        defaults.env = services.front().service.environment;
    }
    for (const auto& descriptor : services) {
        defaults.consumers.push_back(
            {descriptor.service.name, descriptor.service.app, descriptor.service.environment});
    }
    return defaults;
}

void add_discovery_routes(net::HttpRouter& router, discovery::Discovery& discovery,
                          std::function<DiscoveryDefaults()> defaults) {
    auto shared = std::make_shared<const Shared>(Shared{discovery, std::move(defaults)});
    // Not coroutine lambdas: each parses synchronously, then hands its arguments by value to a
    // free coroutine (a capturing coroutine lambda would dangle once the lambda is gone).
    router.add(net::Method::get, "/v1/services/{name}/instances",
               [shared](net::RouteContext& ctx) -> asio::awaitable<net::Reply> {
                   auto parsed = parse_discovery_query(
                       DiscoveryRoute::kInstances, ctx.param("name"), ctx.raw_query(),
                       shared->defaults(), ctx.header("X-Sc-Consumer"));
                   if (parsed.error) {
                       return net::ready_reply(error_reply(*parsed.error));
                   }
                   return instances_route(shared, std::move(parsed.query));
               });
    router.add(net::Method::get, "/v1/services/{name}/select",
               [shared](net::RouteContext& ctx) -> asio::awaitable<net::Reply> {
                   auto parsed = parse_discovery_query(DiscoveryRoute::kSelect, ctx.param("name"),
                                                       ctx.raw_query(), shared->defaults(),
                                                       ctx.header("X-Sc-Consumer"));
                   if (parsed.error) {
                       return net::ready_reply(error_reply(*parsed.error));
                   }
                   return select_route(shared, std::move(parsed.query));
               });
    router.add(
        net::Method::post, "/v1/services/{name}/outcome",
        net::sync_route([shared](net::RouteContext& ctx) { return outcome_route(*shared, ctx); }));
}

}  // namespace scagent::api
