#include "agent/api/discovery_routes.hpp"

#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "config/names.hpp"

#include <memory>
#include <optional>

namespace scagent::api {
namespace {

namespace asio = boost::asio;
namespace http = net::http;
using discovery::InstanceCache;
constexpr const char* kJson = "application/json";

net::HttpReply error_reply(const net::HttpRequest& request, const ApiError& error) {
    return net::make_response(request, static_cast<http::status>(error.status), error_body(error),
                              kJson);
}

/// The answer for a lookup that holds no usable set, if any: 503 while nothing is cached, 404
/// when the registry says the service does not exist.
std::optional<ApiError> lookup_error(const InstanceCache::Lookup& lookup,
                                     const discovery::CacheKey& key) {
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

asio::awaitable<net::HttpReply> instances_route(std::shared_ptr<const Shared> shared,
                                                net::HttpRequest& request, DiscoveryQuery query) {
    auto executor = co_await asio::this_coro::executor;
    auto& discovery = shared->discovery;
    auto lookup = co_await discovery.lookup(executor, query.key);
    if (query.index && lookup.set && lookup.set->index == *query.index) {
        // Consul-style: answer once the set differs from what the caller holds, or at the end
        // of `wait` with the unchanged set.
        co_await discovery.waiters().wait_for_change(executor, query.key, *query.index, query.wait);
        lookup = discovery.cache().get(query.key);
    }
    co_return instances_reply(request, lookup, query, discovery.cache().clock().now());
}

asio::awaitable<net::HttpReply> select_route(std::shared_ptr<const Shared> shared,
                                             net::HttpRequest& request, DiscoveryQuery query) {
    auto executor = co_await asio::this_coro::executor;
    auto& discovery = shared->discovery;
    auto lookup = co_await discovery.lookup(executor, query.key);
    if (auto error = lookup_error(lookup, query.key)) {
        co_return error_reply(request, *error);
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
        co_return error_reply(request, no_instance(query.key, filters));
    }
    auto body = select_answer(set, *chosen, discovery.cache().clock().now());
    auto response = net::make_response(
        request, http::status::ok,
        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
    response.set(kIndexHeader, std::to_string(set.index));
    co_return response;
}

/// {"instanceId": string, "success": bool, "latencyMs": number >= 0 (optional)}.
net::HttpReply outcome_route(const Shared& shared, net::RouteContext& ctx) {
    const auto& request = ctx.request();
    if (auto error = config::check_service_name(ctx.param("name")); !error.empty()) {
        return error_reply(request, bad_request("name", error));
    }
    auto body = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
        return error_reply(request, bad_request("body",
                                                "must be a JSON object "
                                                "{\"instanceId\",\"success\",\"latencyMs\"}"));
    }
    auto id = body.find("instanceId");
    if (id == body.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
        return error_reply(request, bad_request("instanceId", "must be a non-empty string"));
    }
    auto success = body.find("success");
    if (success == body.end() || !success->is_boolean()) {
        return error_reply(request, bad_request("success", "must be true or false"));
    }
    std::chrono::milliseconds latency{0};
    if (auto found = body.find("latencyMs"); found != body.end()) {
        if (!found->is_number() || found->get<double>() < 0 || found->get<double>() > 1e12) {
            return error_reply(request, bad_request("latencyMs", "must be a number >= 0"));
        }
        latency = std::chrono::milliseconds(static_cast<std::int64_t>(found->get<double>()));
    }
    const auto& instance_id = id->get_ref<const std::string&>();
    if (!shared.discovery.record_outcome(ctx.param("name"), instance_id, success->get<bool>(),
                                         latency)) {
        return error_reply(request, instance_not_found(ctx.param("name"), instance_id));
    }
    auto response = net::make_response(request, http::status::no_content, "", kJson);
    response.erase(http::field::content_type);
    return response;
}

std::string raw_query(const net::HttpRequest& request) {
    auto target = std::string_view(request.target());
    auto mark = target.find('?');
    return mark == std::string_view::npos ? std::string() : std::string(target.substr(mark + 1));
}

}  // namespace

net::HttpReply instances_reply(const net::HttpRequest& request, const InstanceCache::Lookup& lookup,
                               const DiscoveryQuery& query, plugins::Clock::TimePoint now) {
    if (auto error = lookup_error(lookup, query.key)) {
        auto reply = error_reply(request, *error);
        if (lookup.set) {
            reply.response.set(kIndexHeader, std::to_string(lookup.set->index));
        }
        return reply;
    }
    auto response = net::make_response(
        request, http::status::ok, render_instances_answer(*lookup.set, query.filter, now), kJson);
    response.set(kIndexHeader, std::to_string(lookup.set->index));
    return response;
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
    router.add(http::verb::get, "/v1/services/{name}/instances",
               [shared](net::RouteContext& ctx) -> asio::awaitable<net::HttpReply> {
                   auto parsed = parse_discovery_query(
                       DiscoveryRoute::kInstances, ctx.param("name"), raw_query(ctx.request()),
                       shared->defaults(), ctx.header("X-Sc-Consumer"));
                   if (parsed.error) {
                       return net::ready_reply(error_reply(ctx.request(), *parsed.error));
                   }
                   return instances_route(shared, ctx.request(), std::move(parsed.query));
               });
    router.add(http::verb::get, "/v1/services/{name}/select",
               [shared](net::RouteContext& ctx) -> asio::awaitable<net::HttpReply> {
                   auto parsed = parse_discovery_query(DiscoveryRoute::kSelect, ctx.param("name"),
                                                       raw_query(ctx.request()), shared->defaults(),
                                                       ctx.header("X-Sc-Consumer"));
                   if (parsed.error) {
                       return net::ready_reply(error_reply(ctx.request(), *parsed.error));
                   }
                   return select_route(shared, ctx.request(), std::move(parsed.query));
               });
    router.add(
        http::verb::post, "/v1/services/{name}/outcome",
        net::sync_route([shared](net::RouteContext& ctx) { return outcome_route(*shared, ctx); }));
}

}  // namespace scagent::api
