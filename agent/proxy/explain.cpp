#include "agent/proxy/explain.hpp"

#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <variant>

#include "agent/discovery/discovery.hpp"
#include "agent/proxy/call_target.hpp"
#include "agent/proxy/forwarder.hpp"
#include "plugins/governance/governed_selector.hpp"
#include "plugins/governance/item_parser.hpp"
#include "plugins/governance/loadbalance_policy.hpp"
#include "plugins/governance/retry.hpp"
#include "plugins/governance/time_limiter.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace gov = plugins::governance;
using nlohmann::json;

/// What the handler read from the query string.
struct ExplainQuery {
    std::string service;
    std::string app;
    std::string consumer;
    std::string method = "GET";
    std::string path = "/";
    std::vector<std::pair<std::string, std::string>> headers;
};

net::Reply error_reply(net::Status status, std::string_view code, const std::string& message) {
    json body{{"error", {{"code", code}, {"message", message}}}};
    return net::Reply::json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string seconds_text(gov::Duration duration) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

/// The report of the item `servicecomb.<kind>.<name>`: its key and where it came from.
json policy_json(const gov::GovernanceSnapshot& snapshot, std::string_view kind,
                 const std::string& name) {
    json out{{"name", name}};
    const std::string key = "servicecomb." + std::string(kind) + "." + name;
    for (const auto& item : snapshot.items()) {
        if (item.key == key && item.status == gov::ItemStatus::kApplied) {
            out["key"] = item.key;
            out["source"] = item.source;
        }
    }
    return out;
}

/// Everything a call's consumer-side policies would do now; sets `refusal` to the first that
/// would refuse (the proxy checks them in this order).
json explain_policies(ProxyShared& shared, const gov::GovernanceSnapshot& snapshot,
                      const plugins::RequestView& request, std::string& refusal) {
    json policies = json::object();
    auto& guards = *shared.guards;
    const auto refuse = [&](std::string text) {
        if (refusal.empty()) {
            refusal = std::move(text);
        }
    };
    gov::MatchedGroups matched(snapshot, request);  // each group evaluated once, as a call does
    if (auto config = snapshot.rate_limit_for(matched)) {
        auto entry = policy_json(snapshot, "rateLimiting", config->meta.name);
        const auto decision = guards.rate_limiter(config)->peek();
        if (!decision.admitted) {
            entry["now"] = "would limit: next permit in " + seconds_text(decision.wait);
            refuse("429 RATE_LIMITED by rateLimiting '" + config->meta.name + "'");
        } else if (decision.wait > gov::Duration::zero()) {
            entry["now"] = "would hold the call " + seconds_text(decision.wait);
        } else {
            entry["now"] = "a permit is free";
        }
        policies["rateLimiting"] = std::move(entry);
    }
    if (auto config = snapshot.bulkhead_for(matched)) {
        auto entry = policy_json(snapshot, "bulkhead", config->meta.name);
        const int in_flight = guards.bulkhead(config)->in_flight();
        entry["inFlight"] = in_flight;
        entry["maxConcurrentCalls"] = config->max_concurrent_calls;
        if (in_flight >= config->max_concurrent_calls) {
            if (config->max_wait_duration > gov::Duration::zero()) {
                entry["now"] = "full: would queue up to " + seconds_text(config->max_wait_duration);
            } else {
                entry["now"] = "full: would reject";
                refuse("503 BULKHEAD_FULL by bulkhead '" + config->meta.name + "'");
            }
        } else {
            entry["now"] = "a slot is free";
        }
        policies["bulkhead"] = std::move(entry);
    }
    if (auto config = snapshot.circuit_breaker_for(matched)) {
        auto entry = policy_json(snapshot, "circuitBreaker", config->meta.name);
        auto breaker = guards.breaker(config, request.service_name);
        entry["state"] = gov::breaker_state_name(breaker->state());
        if (breaker->rejecting()) {
            refuse("503 CIRCUIT_OPEN by circuitBreaker '" + config->meta.name + "'");
        }
        policies["circuitBreaker"] = std::move(entry);
    }
    if (auto config = snapshot.fault_injection_for(matched)) {
        auto entry = policy_json(snapshot, "faultInjection", config->meta.name);
        entry["type"] = config->type == gov::FaultType::kAbort ? "abort" : "delay";
        entry["percentage"] = config->percentage;
        if (config->type == gov::FaultType::kAbort) {
            entry["errorCode"] = config->error_code;
        } else if (config->delay_time) {
            entry["delay"] = seconds_text(*config->delay_time);
        }
        policies["faultInjection"] = std::move(entry);
    }
    if (auto config = snapshot.retry_for(matched)) {
        auto entry = policy_json(snapshot, "retry", config->meta.name);
        entry["maxAttempts"] = config->max_attempts;
        entry["retryOnResponseStatus"] = config->retry_on_response_status;
        entry["retryOnSame"] = config->retry_on_same;
        policies["retry"] = std::move(entry);
    }
    if (auto config = snapshot.time_limiter_for(matched)) {
        auto entry = policy_json(snapshot, "timeLimiter", config->meta.name);
        entry["timeoutDuration"] = seconds_text(config->timeout_duration);
        policies["timeLimiter"] = std::move(entry);
    }
    if (auto config = snapshot.loadbalance_for(matched)) {
        auto entry = policy_json(snapshot, "loadbalance", config->meta.name);
        entry["rule"] = config->rule;
        policies["loadbalance"] = std::move(entry);
    }
    if (auto config = snapshot.instance_isolation_for(matched)) {
        policies["instanceIsolation"] =
            policy_json(snapshot, "instanceIsolation", config->meta.name);
    }
    return policies;
}

json tags_json(const gov::Tags& tags) {
    json out = json::object();
    for (const auto& [key, value] : tags) {
        out[key] = value;
    }
    return out;
}

asio::awaitable<net::Reply> explain(ProxyShared& shared, ExplainQuery query) {
    const std::string target_path = "/" + query.service + query.path;
    const auto resolved =
        resolve_target(TargetRequest{target_path, "127.0.0.1", query.app, query.consumer, {}},
                       shared.options.local_services);
    if (const auto* error = std::get_if<ProxyError>(&resolved)) {
        co_return error_reply(error->status, error->code, error->message);
    }
    const auto& target = std::get<CallTarget>(resolved);

    plugins::RequestView view;
    view.method = query.method;
    view.path = query.path.substr(0, query.path.find('?'));
    view.service_name = target.service;
    for (auto& [name, value] : query.headers) {
        view.headers.emplace(name, value);
    }

    json out{{"request",
              {{"service", target.service},
               {"app", target.app},
               {"environment", target.environment},
               {"consumer", target.caller},
               {"method", view.method},
               {"path", view.path}}}};
    const auto snapshot = shared.snapshots ? shared.snapshots() : nullptr;
    std::string refusal;
    out["matchGroups"] = snapshot ? json(snapshot->matching_groups(view)) : json::array();
    out["policies"] =
        snapshot ? explain_policies(shared, *snapshot, view, refusal) : json::object();

    auto executor = co_await asio::this_coro::executor;
    discovery::CacheKey key{target.app, target.service, target.environment};
    const auto lookup = co_await shared.discovery.lookup(executor, key);
    std::vector<const plugins::Instance*> instances;
    if (lookup.set) {
        for (const auto& instance : lookup.set->set->instances) {
            instances.push_back(&instance);
        }
    }

    // The route rule: which of its groups holds which instance.
    out["route"] = nullptr;
    std::vector<const plugins::Instance*> routable = instances;
    if (snapshot) {
        const auto route = snapshot->explain_route(instances, view);
        if (route.rule != nullptr) {
            json groups = json::array();
            std::vector<const plugins::Instance*> in_any_group;
            for (const auto& group : route.groups) {
                json ids = json::array();
                for (const auto* instance : group.instances) {
                    ids.push_back(instance->instance_id);
                    if (group.target->weight > 0) {
                        in_any_group.push_back(instance);
                    }
                }
                groups.push_back({{"name", group.target->name},
                                  {"weight", group.target->weight},
                                  {"tags", tags_json(group.target->tags)},
                                  {"fallback", group.fallback},
                                  {"instances", std::move(ids)}});
            }
            out["route"] = {
                {"rule", snapshot->route_rule_for(target.service)->target_service.empty()
                             ? "servicecomb.globalRouteRule"
                             : "servicecomb.routeRule." + target.service},
                {"precedence", route.rule->precedence},
                {"groups", std::move(groups)}};
            if (!in_any_group.empty() || !route.rule->empty_protection) {
                routable = std::move(in_any_group);
            }
        }
    }

    json candidates = json::array();
    std::vector<std::string> eligible;
    for (const auto* instance : instances) {
        json reason = nullptr;
        if (instance->status != "UP") {
            reason = "status " + instance->status;
        } else if (instance->port == 0) {
            reason = "no endpoint the proxy can call";
        } else if (shared.selector.isolated(target.service, instance->instance_id)) {
            reason = "isolated (instanceIsolation)";
        } else if (std::find(routable.begin(), routable.end(), instance) == routable.end()) {
            reason = "tags match no group of the route rule";
        } else {
            eligible.push_back(instance->instance_id);
        }
        candidates.push_back(
            {{"instanceId", instance->instance_id},
             {"endpoint",
              instance->endpoints.empty() ? json(nullptr) : json(instance->endpoints.front())},
             {"version", instance->version},
             {"excluded", std::move(reason)}});
    }
    out["candidates"] = std::move(candidates);

    std::string decision;
    if (!refusal.empty()) {
        decision = "reject: " + refusal;
    } else if (lookup.state == discovery::InstanceCache::State::kOverLimit) {
        decision = "reject: 503 TOO_MANY_SERVICES";
    } else if (!lookup.set || !lookup.set->service_found) {
        decision = "reject: 503 NO_INSTANCE (" + key.to_string() + " is not in the registry)";
    } else if (eligible.empty()) {
        decision = "reject: 503 NO_INSTANCE (every instance is excluded)";
    } else {
        const auto lb = snapshot ? snapshot->loadbalance_for(view) : nullptr;
        decision = "forward to one of " + std::to_string(eligible.size()) + " instance" +
                   (eligible.size() == 1 ? "" : "s") + " by " + (lb ? lb->rule : "RoundRobin");
        if (out["policies"].contains("faultInjection")) {
            decision += ", unless faultInjection picks this call";
        }
    }
    out["decision"] = std::move(decision);
    co_return net::Reply::json(net::status::ok,
                               out.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

net::RouteHandler explain_handler(ProxyShared& shared) {
    return [&shared](net::RouteContext& context) -> asio::awaitable<net::Reply> {
        ExplainQuery query;
        query.service = context.query("service").value_or("");
        if (query.service.empty() || query.service.find('/') != std::string::npos) {
            return net::ready_reply(
                error_reply(net::status::bad_request, "BAD_REQUEST",
                            "query parameter 'service' is required (a service name)"));
        }
        query.app = context.query("app").value_or("");
        query.consumer = context.query("consumer").value_or("");
        query.method = context.query("method").value_or("GET");
        std::transform(query.method.begin(), query.method.end(), query.method.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        query.path = context.query("path").value_or("/");
        if (query.path.empty() || query.path.front() != '/') {
            query.path.insert(query.path.begin(), '/');
        }
        for (const auto& header : context.query_all("header")) {
            const auto colon = header.find(':');
            if (colon == std::string::npos || colon == 0) {
                return net::ready_reply(error_reply(
                    net::status::bad_request, "BAD_REQUEST",
                    "query parameter 'header' must be name:value, got '" + header + "'"));
            }
            auto value = header.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            query.headers.emplace_back(header.substr(0, colon), std::move(value));
        }
        return explain(shared, std::move(query));
    };
}

}  // namespace scagent::proxy
