#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/api/rng.hpp"
#include "plugins/governance/common.hpp"
#include "plugins/governance/match/match_group.hpp"

namespace scagent::plugins::governance {

using Tags = std::map<std::string, std::string, std::less<>>;

/// One weighted group of `route[]` or `fallback[]`.
struct RouteTarget {
    std::string name;
    int weight = 0;
    Tags tags;  // `version` matches Instance::version, anything else Instance::properties
    /// The group added when weights sum to < 100: instances in no other group of the list.
    bool remainder = false;

    bool operator==(const RouteTarget&) const = default;
};

/// `match` of a rule: the java Matcher fields plus the go-chassis `refer`/`source`/`sourceTags`.
struct RouteMatch {
    MatchEntry request;  // headers (httpHeaders merged in), apiPath, method, ...
    std::string refer;   // go-chassis: a servicecomb.match.<refer> marker must match
    std::string source;  // go-chassis: the calling (local) service
    Tags source_tags;    // go-chassis: tags of the calling service (only `version` known)

    bool operator==(const RouteMatch&) const = default;
};

struct RouteRule {
    int precedence = 0;
    std::optional<RouteMatch> match;  // absent: every request
    std::vector<RouteTarget> route;
    std::vector<RouteTarget> fallback;
    bool empty_protection = true;

    bool operator==(const RouteRule&) const = default;
};

/// `servicecomb.routeRule.<service>` or `servicecomb.globalRouteRule`: rules sorted by
/// precedence, highest first (stable for equal precedence).
struct RouteRuleConfig {
    std::string target_service;  // empty for the global rule
    std::vector<RouteRule> rules;
    std::vector<std::string> warnings;  // e.g. weights over 100: logged, not rejected

    bool operator==(const RouteRuleConfig&) const = default;
};

std::shared_ptr<const RouteRuleConfig> parse_route_rule(const YAML::Node& root,
                                                        std::string target_service,
                                                        ItemErrors& errors);

/// What routing needs besides the request: who we are, and how to find `refer` markers.
struct RouteContext {
    std::string local_service;
    std::string local_version;
    std::function<std::shared_ptr<const MatchGroupConfig>(std::string_view)> find_marker;
};

enum class RouteOutcome {
    kNoRule,     // no rule matched: every candidate stays
    kRouted,     // the chosen group (or a fallback group) has eligible instances
    kProtected,  // nothing eligible, emptyProtection kept every candidate
    kEmpty,      // nothing eligible and emptyProtection is off
};

struct RouteResult {
    RouteOutcome outcome = RouteOutcome::kNoRule;
    std::vector<const Instance*> instances;
};

/// True when `instance` carries every tag (version, or a property).
bool has_tags(const Instance& instance, const Tags& tags);

/// Applies `config` to `candidates`: the first rule (by precedence) that matches picks a
/// weighted group with `rng`; instances in `excluded` do not count as available.
RouteResult select_route(const RouteRuleConfig& config, std::span<const Instance* const> candidates,
                         const RequestView& request, const Excluded& excluded, Rng& rng,
                         const RouteContext& context);

/// Which rule of a route rule a request meets and which candidates each of its groups holds:
/// the deterministic part of select_route, for `/v1/explain` (the weighted draw is left out).
struct RouteExplanation {
    struct Group {
        const RouteTarget* target = nullptr;
        bool fallback = false;
        std::vector<const Instance*> instances;
    };
    const RouteRule* rule = nullptr;  ///< null: no rule matched, every candidate stays
    std::vector<Group> groups;        ///< route[] then fallback[]
};

RouteExplanation explain_route(const RouteRuleConfig& config,
                               std::span<const Instance* const> candidates,
                               const RequestView& request, const RouteContext& context);

}  // namespace scagent::plugins::governance
