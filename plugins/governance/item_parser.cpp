#include "plugins/governance/item_parser.hpp"

#include <array>
#include <exception>

#include "config/yaml_bounds.hpp"
#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

namespace {

constexpr std::string_view kPrefix = "servicecomb.";

struct KindName {
    Kind kind;
    std::string_view name;
};

constexpr std::array<KindName, 12> kKinds{{
    {Kind::kMatchGroup, "matchGroup"},
    {Kind::kMarker, "match"},
    {Kind::kRetry, "retry"},
    {Kind::kRateLimiting, "rateLimiting"},
    {Kind::kCircuitBreaker, "circuitBreaker"},
    {Kind::kInstanceIsolation, "instanceIsolation"},
    {Kind::kBulkhead, "bulkhead"},
    {Kind::kLoadBalance, "loadbalance"},
    {Kind::kFaultInjection, "faultInjection"},
    {Kind::kTimeLimiter, "timeLimiter"},
    {Kind::kRouteRule, "routeRule"},
    {Kind::kGlobalRouteRule, "globalRouteRule"},
}};

constexpr std::array<Kind, 12> kKindList{
    Kind::kMatchGroup,   Kind::kMarker,         Kind::kRetry,
    Kind::kRateLimiting, Kind::kCircuitBreaker, Kind::kInstanceIsolation,
    Kind::kBulkhead,     Kind::kLoadBalance,    Kind::kFaultInjection,
    Kind::kTimeLimiter,  Kind::kRouteRule,      Kind::kGlobalRouteRule,
};

AnyConfig parse_value(Kind kind, const YAML::Node& root, const std::string& name,
                      ItemErrors& errors, std::vector<std::string>& warnings) {
    switch (kind) {
        case Kind::kMatchGroup:
            return parse_match_group(root, name, MatchDialect::kJava, errors);
        case Kind::kMarker:
            return parse_match_group(root, name, MatchDialect::kGo, errors);
        case Kind::kRetry:
            return parse_retry(root, name, errors);
        case Kind::kRateLimiting:
            return parse_rate_limit(root, name, errors);
        case Kind::kCircuitBreaker:
        case Kind::kInstanceIsolation:
            return parse_circuit_breaker(root, name, errors);
        case Kind::kBulkhead:
            return parse_bulkhead(root, name, errors);
        case Kind::kLoadBalance:
            return parse_loadbalance(root, name, errors);
        case Kind::kFaultInjection:
            return parse_fault_injection(root, name, errors);
        case Kind::kTimeLimiter:
            return parse_time_limiter(root, name, errors);
        case Kind::kRouteRule:
        case Kind::kGlobalRouteRule: {
            auto config = parse_route_rule(root, name, errors);
            if (config) {
                warnings = config->warnings;
            }
            return config;
        }
        case Kind::kOther:
            break;
    }
    return std::monostate{};
}

// A typed null (the alternative chosen, but empty) counts as a failure.
bool holds_config(const AnyConfig& config) {
    return std::visit(
        [](const auto& ptr) {
            if constexpr (std::is_same_v<std::decay_t<decltype(ptr)>, std::monostate>) {
                return false;
            } else {
                return ptr != nullptr;
            }
        },
        config);
}

void classify(ParsedItem& item) {
    std::string_view key = item.key;
    if (key.substr(0, kPrefix.size()) != kPrefix) {
        item.ignored_reason = "not a servicecomb.* governance key";
        return;
    }
    key.remove_prefix(kPrefix.size());
    if (key == "globalRouteRule") {
        item.kind = Kind::kGlobalRouteRule;
        return;
    }
    const auto dot = key.find('.');
    const std::string_view kind = key.substr(0, dot);
    for (const auto& k : kKinds) {
        if (k.name == kind && k.kind != Kind::kGlobalRouteRule) {
            item.kind = k.kind;
            item.name = dot == std::string_view::npos ? "" : std::string(key.substr(dot + 1));
            if (item.name.empty()) {
                item.errors.push_back(
                    {"", 0, 0,
                     "the key needs a name: servicecomb." + std::string(kind) + ".<name>"});
            }
            return;
        }
    }
    item.ignored_reason = "kind '" + std::string(kind) + "' is not applied by sc-agent";
}

}  // namespace

std::string_view kind_name(Kind kind) noexcept {
    for (const auto& k : kKinds) {
        if (k.kind == kind) {
            return k.name;
        }
    }
    return "other";
}

std::span<const Kind> governance_kinds() noexcept {
    return kKindList;
}

std::vector<std::string> ParsedItem::rendered_errors() const {
    std::vector<std::string> out;
    for (const auto& e : errors) {
        out.push_back(e.render(key));
    }
    return out;
}

ParsedItem parse_item(std::string_view key, std::string_view value) noexcept {
    ParsedItem item;
    try {
        item.key = std::string(key);
        classify(item);
        if (item.kind == Kind::kOther || !item.errors.empty()) {
            return item;
        }
        YAML::Node root;
        try {
            root = config::load_yaml(std::string(value));
        } catch (const YAML::Exception& e) {
            item.errors.push_back(
                {"", e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg});
            return item;
        }
        if (!root.IsDefined() || root.IsNull()) {
            item.errors.push_back({"", 0, 0, "the value is empty"});
            return item;
        }
        auto config = parse_value(item.kind, root, item.name, item.errors, item.warnings);
        if (item.errors.empty() && holds_config(config)) {
            item.config = std::move(config);
        } else if (item.errors.empty()) {
            item.errors.push_back({"", 0, 0, "could not be parsed"});
        }
    } catch (const std::exception& e) {
        item.config = std::monostate{};
        item.errors.push_back({"", 0, 0, std::string("internal error while parsing: ") + e.what()});
    } catch (...) {
        item.config = std::monostate{};
        item.errors.push_back({"", 0, 0, "internal error while parsing"});
    }
    return item;
}

}  // namespace scagent::plugins::governance
