#include "agent/api/governance_routes.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>

#include "config/yaml_bounds.hpp"
#include "plugins/api/text.hpp"

namespace scagent::api {
namespace {

namespace gov = plugins::governance;

/// The item's YAML as JSON so the route shows it structured; scalars stay strings (as written).
nlohmann::json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            auto object = nlohmann::json::object();
            for (const auto& entry : node) {
                object[entry.first.as<std::string>("")] = yaml_to_json(entry.second);
            }
            return object;
        }
        case YAML::NodeType::Sequence: {
            auto array = nlohmann::json::array();
            for (const auto& element : node) {
                array.push_back(yaml_to_json(element));
            }
            return array;
        }
        case YAML::NodeType::Scalar:
            return node.Scalar();
        default:
            return nullptr;
    }
}

nlohmann::json spec_json(const std::string& value) {
    try {
        // Bounded before the recursive walk: a self-referencing alias or nested aliases would
        // overflow the stack or exhaust memory here; such an item is rejected by its parser.
        return yaml_to_json(config::load_yaml(value));
    } catch (const std::exception&) {
        return value;  // malformed or unbounded YAML: the item is rejected; show the raw text
    }
}

std::string_view status_name(gov::ItemStatus status) {
    return status == gov::ItemStatus::kApplied ? "ok" : gov::item_status_name(status);
}

constexpr const char* kEnforced = "enforced";
constexpr const char* kNotEnforced = "parsed, not enforced";

/// Whether something in this build acts on an accepted item of `kind`: the governed `select`
/// and the proxy apply route rules, instance isolation and load balancing, and the match groups
/// (and go-chassis markers) they refer to; the proxy applies retry and timeLimiter to each
/// call, and rate limiting, bulkhead, circuit breaker and fault injection to calls on both
/// sides (outbound and `inbound`). A kind added to the parser before the proxy applies it
/// shows as "parsed, not enforced".
bool enforced(std::string_view kind) {
    return kind == "matchGroup" || kind == "match" || kind == "routeRule" ||
           kind == "globalRouteRule" || kind == "instanceIsolation" || kind == "loadbalance" ||
           kind == "retry" || kind == "timeLimiter" || kind == "rateLimiting" ||
           kind == "bulkhead" || kind == "circuitBreaker" || kind == "faultInjection";
}

template <class List>
nlohmann::json names(const List& list, std::string_view kind) {
    auto array = nlohmann::json::array();
    for (const auto& config : list) {
        array.push_back({{"name", config->meta.name},
                         {"order", config->meta.order},
                         {"status", enforced(kind) ? kEnforced : kNotEnforced}});
    }
    return array;
}

}  // namespace

nlohmann::json governance_json(const governance::GovernanceView& view) {
    const auto& snapshot = *view.snapshot;
    nlohmann::json body;
    body["generation"] = view.generation;
    body["localService"] = {{"name", snapshot.local_service().name},
                            {"version", snapshot.local_service().version}};
    auto sources = nlohmann::json::array();
    for (const auto& source : view.sources) {
        nlohmann::json entry{
            {"type", source.type}, {"state", source.state}, {"items", source.items}};
        if (source.type == "file") {
            entry["path"] = source.name;
        } else {
            entry["dimension"] = source.name;
            auto labels = nlohmann::json::object();
            for (const auto& [key, value] : source.labels) {
                labels[key] = value;
            }
            entry["labels"] = labels;
            entry["revision"] = source.revision ? nlohmann::json(*source.revision) : nullptr;
        }
        if (!source.error.empty()) {
            entry["error"] = source.error;
        }
        sources.push_back(std::move(entry));
    }
    body["sources"] = std::move(sources);

    // Reports and inputs are parallel: build() reports every input, in order.
    auto items = nlohmann::json::array();
    const auto& reports = snapshot.items();
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const auto& report = reports[i];
        nlohmann::json item{{"key", report.key},
                            {"kind", report.kind},
                            {"name", report.name},
                            {"source", report.source},
                            {"status", std::string(status_name(report.status))},
                            {"errors", report.errors},
                            {"notes", report.notes}};
        if (report.status == gov::ItemStatus::kApplied) {
            item["enforcement"] = enforced(report.kind) ? kEnforced : kNotEnforced;
        }
        if (i < view.inputs.size() && view.inputs[i].key == report.key) {
            item["revision"] = view.inputs[i].revision;
            item["spec"] = spec_json(view.inputs[i].value);
        }
        items.push_back(std::move(item));
    }
    body["items"] = std::move(items);

    auto counts = nlohmann::json::object();
    for (const auto& [kind, count] : snapshot.counts()) {
        counts[kind] = {
            {"loaded", count.loaded}, {"rejected", count.rejected}, {"ignored", count.ignored}};
    }
    body["counts"] = std::move(counts);

    // What is in force, in evaluation order (policies by order then name); each policy says
    // whether anything enforces it yet ("status").
    nlohmann::json effective;
    std::map<std::string, nlohmann::json> by_kind{{"matchGroup", nlohmann::json::array()},
                                                  {"match", nlohmann::json::array()},
                                                  {"routeRule", nlohmann::json::array()},
                                                  {"globalRouteRule", nlohmann::json::array()}};
    for (const auto& report : reports) {
        if (report.status == gov::ItemStatus::kApplied && by_kind.count(report.kind) != 0) {
            by_kind[report.kind].push_back(report.name);
        }
    }
    for (auto& [kind, list] : by_kind) {
        effective[kind] = std::move(list);
    }
    effective["retry"] = names(snapshot.retries(), "retry");
    effective["rateLimiting"] = names(snapshot.rate_limits(), "rateLimiting");
    effective["circuitBreaker"] = names(snapshot.circuit_breakers(), "circuitBreaker");
    effective["instanceIsolation"] = names(snapshot.instance_isolations(), "instanceIsolation");
    effective["bulkhead"] = names(snapshot.bulkheads(), "bulkhead");
    effective["loadbalance"] = names(snapshot.loadbalances(), "loadbalance");
    effective["faultInjection"] = names(snapshot.fault_injections(), "faultInjection");
    effective["timeLimiter"] = names(snapshot.time_limiters(), "timeLimiter");
    body["effective"] = std::move(effective);
    return body;
}

void add_governance_routes(net::HttpRouter& router,
                           std::function<governance::GovernanceViewPtr()> view) {
    router.add(net::Method::get, "/v1/agent/governance",
               net::sync_route([view = std::move(view)](net::RouteContext&) {
                   const auto current = view();
                   return net::Reply::json(net::status::ok,
                                           plugins::dump_json(governance_json(*current)));
               }));
}

}  // namespace scagent::api
