#include "plugins/governance/route_rule.hpp"

#include <algorithm>

#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

namespace {

bool parse_tags(const YAML::Node& node, const std::string& path, Tags& out, ItemErrors& errors) {
    if (!node.IsMap()) {
        add_error(errors, node, path, "must be a mapping of tag to value");
        return false;
    }
    bool ok = check_keys(node, path, errors);
    for (const auto& kv : node) {
        std::string value;
        if (!kv.first.IsScalar()) {
            continue;
        }
        if (!scalar_text(kv.second, value)) {
            add_error(errors, kv.second, join_path(path, kv.first.Scalar()), "must be a scalar");
            ok = false;
            continue;
        }
        out[kv.first.Scalar()] = value;
    }
    return ok;
}

void parse_targets(Fields& f, std::string_view key, std::vector<RouteTarget>& out,
                   std::vector<std::string>& warnings, ItemErrors& errors) {
    auto node = f.get(key);
    const std::string path = f.path_of(key);
    if (!node.IsSequence() || node.size() == 0) {
        f.error(key, "must be a list of at least one {weight, tags}");
        return;
    }
    int sum = 0;
    for (std::size_t i = 0; i < node.size(); ++i) {
        Fields t(node[i], path + "[" + std::to_string(i) + "]", errors);
        if (!t.is_map()) {
            continue;
        }
        RouteTarget target;
        t.read("name", target.name);
        if (!t.has("weight")) {
            t.error("weight", "is required: an integer percentage in [0, 100]");
        } else if (t.read("weight", target.weight) && (target.weight < 0 || target.weight > 100)) {
            t.error("weight", "must be in [0, 100], got " + std::to_string(target.weight));
        }
        if (auto tags = t.get("tags"); tags.IsDefined()) {
            parse_tags(tags, t.path_of("tags"), target.tags, errors);
        }
        sum += target.weight;
        out.push_back(std::move(target));
    }
    if (sum < 100) {
        RouteTarget rest;
        rest.weight = 100 - sum;
        rest.remainder = true;
        out.push_back(std::move(rest));
    } else if (sum > 100) {
        warnings.push_back(path + ": weights sum to " + std::to_string(sum) +
                           " (> 100); each group gets weight/" + std::to_string(sum));
    }
}

void parse_match(Fields& rule, RouteMatch& out, ItemErrors& errors) {
    auto node = rule.get("match");
    const std::string path = rule.path_of("match");
    if (!parse_match_entry(node, path, MatchDialect::kJava, OperatorDialect::kRoute, out.request,
                           errors)) {
        return;
    }
    // parse_match_entry already checked this mapping's keys; read the go-chassis extras.
    Fields f(node, path, errors, /*check_keys=*/false);
    f.read("refer", out.refer);
    f.read("source", out.source);
    if (auto tags = f.get("sourceTags"); tags.IsDefined()) {
        parse_tags(tags, f.path_of("sourceTags"), out.source_tags, errors);
    }
    if (auto headers = f.get("httpHeaders"); headers.IsDefined()) {
        // go-chassis spells request headers `httpHeaders`; they behave like `headers`.
        parse_named_conditions(headers, f.path_of("httpHeaders"), OperatorDialect::kRoute, false,
                               out.request.headers, errors);
    }
}

}  // namespace

std::shared_ptr<const RouteRuleConfig> parse_route_rule(const YAML::Node& root,
                                                        std::string target_service,
                                                        ItemErrors& errors) {
    const std::size_t before = errors.size();
    auto c = std::make_shared<RouteRuleConfig>();
    c->target_service = std::move(target_service);
    if (!root.IsSequence() || root.size() == 0) {
        add_error(errors, root, "", "must be a list of at least one rule");
        return nullptr;
    }
    for (std::size_t i = 0; i < root.size(); ++i) {
        Fields f(root[i], "[" + std::to_string(i) + "]", errors);
        if (!f.is_map()) {
            continue;
        }
        RouteRule rule;
        f.read("precedence", rule.precedence);
        if (f.has("match")) {
            rule.match.emplace();
            parse_match(f, *rule.match, errors);
        }
        if (!f.has("route")) {
            f.error("route", "is required: a list of at least one {weight, tags}");
        } else {
            parse_targets(f, "route", rule.route, c->warnings, errors);
        }
        if (f.has("fallback")) {
            parse_targets(f, "fallback", rule.fallback, c->warnings, errors);
        }
        f.read("emptyProtection", rule.empty_protection);
        c->rules.push_back(std::move(rule));
    }
    if (errors.size() != before) {
        return nullptr;
    }
    std::stable_sort(c->rules.begin(), c->rules.end(), [](const RouteRule& a, const RouteRule& b) {
        return a.precedence > b.precedence;
    });
    return c;
}

bool has_tags(const Instance& instance, const Tags& tags) {
    for (const auto& [key, value] : tags) {
        if (key == "version") {
            if (instance.version != value) {
                return false;
            }
            continue;
        }
        auto it = instance.properties.find(key);
        if (it == instance.properties.end() || it->second != value) {
            return false;
        }
    }
    return true;
}

namespace {

bool rule_matches(const RouteRule& rule, const RequestView& request, const RouteContext& context) {
    if (!rule.match) {
        return true;
    }
    const auto& m = *rule.match;
    if (!m.source.empty() && m.source != context.local_service) {
        return false;
    }
    for (const auto& [key, value] : m.source_tags) {
        if (key != "version" || value != context.local_version) {
            return false;
        }
    }
    if (!m.refer.empty()) {
        auto marker = context.find_marker ? context.find_marker(m.refer) : nullptr;
        if (!marker || !marker->matches(request)) {
            return false;
        }
    }
    return m.request.matches(request);
}

bool in_group(const Instance& instance, const RouteTarget& target,
              const std::vector<RouteTarget>& groups) {
    if (!target.remainder) {
        return has_tags(instance, target.tags);
    }
    return std::none_of(groups.begin(), groups.end(), [&](const RouteTarget& g) {
        return !g.remainder && has_tags(instance, g.tags);
    });
}

// Picks a group by weight and returns its eligible instances (possibly none).
std::vector<const Instance*> pick_group(const std::vector<RouteTarget>& groups,
                                        std::span<const Instance* const> candidates,
                                        const Excluded& excluded, Rng& rng) {
    std::uint64_t total = 0;
    for (const auto& g : groups) {
        total += static_cast<std::uint64_t>(g.weight);
    }
    std::vector<const Instance*> out;
    if (total == 0) {
        return out;
    }
    std::uint64_t ticket = rng.below(total);
    const RouteTarget* chosen = &groups.back();
    for (const auto& g : groups) {
        if (ticket < static_cast<std::uint64_t>(g.weight)) {
            chosen = &g;
            break;
        }
        ticket -= static_cast<std::uint64_t>(g.weight);
    }
    for (const Instance* instance : candidates) {
        if (!excluded.contains(instance->instance_id) && in_group(*instance, *chosen, groups)) {
            out.push_back(instance);
        }
    }
    return out;
}

}  // namespace

RouteExplanation explain_route(const RouteRuleConfig& config,
                               std::span<const Instance* const> candidates,
                               const RequestView& request, const RouteContext& context) {
    RouteExplanation out;
    auto rule = std::find_if(config.rules.begin(), config.rules.end(),
                             [&](const RouteRule& r) { return rule_matches(r, request, context); });
    if (rule == config.rules.end()) {
        return out;
    }
    out.rule = &*rule;
    for (const auto* list : {&rule->route, &rule->fallback}) {
        for (const auto& target : *list) {
            RouteExplanation::Group group{&target, list == &rule->fallback, {}};
            for (const Instance* instance : candidates) {
                if (in_group(*instance, target, *list)) {
                    group.instances.push_back(instance);
                }
            }
            out.groups.push_back(std::move(group));
        }
    }
    return out;
}

RouteResult select_route(const RouteRuleConfig& config, std::span<const Instance* const> candidates,
                         const RequestView& request, const Excluded& excluded, Rng& rng,
                         const RouteContext& context) {
    RouteResult result;
    auto rule = std::find_if(config.rules.begin(), config.rules.end(),
                             [&](const RouteRule& r) { return rule_matches(r, request, context); });
    if (rule == config.rules.end()) {
        result.instances.assign(candidates.begin(), candidates.end());
        return result;
    }
    result.instances = pick_group(rule->route, candidates, excluded, rng);
    if (result.instances.empty() && !rule->fallback.empty()) {
        result.instances = pick_group(rule->fallback, candidates, excluded, rng);
    }
    if (!result.instances.empty()) {
        result.outcome = RouteOutcome::kRouted;
    } else if (rule->empty_protection) {
        result.outcome = RouteOutcome::kProtected;
        result.instances.assign(candidates.begin(), candidates.end());
    } else {
        result.outcome = RouteOutcome::kEmpty;
    }
    return result;
}

}  // namespace scagent::plugins::governance
