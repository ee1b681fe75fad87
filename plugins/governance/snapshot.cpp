#include "plugins/governance/snapshot.hpp"

#include <algorithm>
#include <cassert>

namespace scagent::plugins::governance {

std::string_view item_status_name(ItemStatus status) noexcept {
    switch (status) {
        case ItemStatus::kApplied:
            return "applied";
        case ItemStatus::kRejected:
            return "rejected";
        case ItemStatus::kIgnored:
            return "ignored";
    }
    return "unknown";
}

namespace {

const PolicyMeta* meta_of(const AnyConfig& config) {
    return std::visit(
        [](const auto& ptr) -> const PolicyMeta* {
            using T = std::decay_t<decltype(ptr)>;
            if constexpr (std::is_same_v<T, std::monostate> ||
                          std::is_same_v<T, std::shared_ptr<const RouteRuleConfig>>) {
                return nullptr;
            } else {
                return &ptr->meta;
            }
        },
        config);
}

template <class Config>
void sort_policies(std::vector<std::shared_ptr<const Config>>& list) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return std::tie(a->meta.order, a->meta.name) < std::tie(b->meta.order, b->meta.name);
    });
}

bool admits_local(const ServiceFilter& services, const LocalService& local) {
    if (services.admits(local.name, local.version)) {
        return true;
    }
    return std::any_of(local.others.begin(), local.others.end(), [&](const auto& other) {
        return services.admits(other.first, other.second);
    });
}

}  // namespace

std::shared_ptr<const GovernanceSnapshot> GovernanceSnapshot::build(
    std::span<const GovernanceInput> inputs, LocalService local) {
    auto snapshot = std::make_shared<GovernanceSnapshot>();
    auto& s = *snapshot;
    s.local_ = std::move(local);
    for (Kind kind : governance_kinds()) {
        s.counts_[std::string(kind_name(kind))] = KindCounts{};
    }
    // Invariant 1: find, for each key, the input that wins (the last one).
    std::map<std::string_view, std::size_t> winner;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        winner[inputs[i].key] = i;
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& input = inputs[i];
        ItemReport report;
        report.key = input.key;
        report.source = input.source;
        const std::size_t last = winner[input.key];
        if (last != i) {
            report.kind = "other";
            report.notes.push_back("overridden by the item from " + inputs[last].source);
            s.items_.push_back(std::move(report));
            continue;
        }
        ParsedItem parsed = parse_item(input.key, input.value);
        report.kind = std::string(kind_name(parsed.kind));
        report.name = parsed.name;
        report.notes = parsed.warnings;
        if (parsed.kind == Kind::kOther) {
            report.notes.push_back(parsed.ignored_reason);
        } else if (!parsed.ok()) {
            report.status = ItemStatus::kRejected;
            report.errors = parsed.rendered_errors();
            s.counts_[report.kind].rejected += 1;
        } else if (const PolicyMeta* meta = meta_of(parsed.config);
                   meta && !admits_local(meta->services, s.local_)) {
            report.notes.push_back("services '" + meta->services.to_string() +
                                   "' does not include " + s.local_.name + ":" + s.local_.version);
            s.counts_[report.kind].ignored += 1;
        } else {
            report.status = ItemStatus::kApplied;
            s.apply(parsed);
            s.counts_[report.kind].loaded += 1;
        }
        s.items_.push_back(std::move(report));
    }
    const auto group_reads = [](const MatchGroupConfig& group) {
        return std::any_of(group.entries.begin(), group.entries.end(),
                           [](const MatchEntry& entry) { return !entry.headers.empty(); });
    };
    const auto rule_reads = [](const RouteRuleConfig& config) {
        return std::any_of(config.rules.begin(), config.rules.end(), [](const RouteRule& rule) {
            return rule.match && !rule.match->request.headers.empty();
        });
    };
    for (const auto& [name, group] : s.match_groups_) {
        s.reads_headers_ = s.reads_headers_ || group_reads(*group);
    }
    for (const auto& [name, group] : s.markers_) {
        s.reads_headers_ = s.reads_headers_ || group_reads(*group);
    }
    for (const auto& [name, rule] : s.route_rules_) {
        s.reads_headers_ = s.reads_headers_ || rule_reads(*rule);
    }
    if (s.global_route_rule_) {
        s.reads_headers_ = s.reads_headers_ || rule_reads(*s.global_route_rule_);
    }
    sort_policies(s.retries_.policies);
    sort_policies(s.rate_limits_.policies);
    sort_policies(s.circuit_breakers_.policies);
    sort_policies(s.isolations_.policies);
    sort_policies(s.bulkheads_.policies);
    sort_policies(s.loadbalances_.policies);
    sort_policies(s.fault_injections_.policies);
    sort_policies(s.time_limiters_.policies);
    for (const auto* groups : {&s.match_groups_, &s.markers_}) {
        for (const auto& [name, group] : *groups) {
            s.groups_.push_back(group.get());
        }
    }
    s.bind_java(s.retries_);
    s.bind_rate_limits();
    s.bind_java(s.circuit_breakers_);
    s.bind_java(s.isolations_);
    s.bind_java(s.bulkheads_);
    s.bind_java(s.loadbalances_);
    s.bind_java(s.fault_injections_);
    s.bind_java(s.time_limiters_);
    return snapshot;
}

void GovernanceSnapshot::apply(const ParsedItem& item) {
    using std::get;
    switch (item.kind) {
        case Kind::kMatchGroup:
            match_groups_[item.name] = get<std::shared_ptr<const MatchGroupConfig>>(item.config);
            break;
        case Kind::kMarker:
            markers_[item.name] = get<std::shared_ptr<const MatchGroupConfig>>(item.config);
            break;
        case Kind::kRetry:
            retries_.policies.push_back(get<std::shared_ptr<const RetryConfig>>(item.config));
            break;
        case Kind::kRateLimiting:
            rate_limits_.policies.push_back(
                get<std::shared_ptr<const RateLimitConfig>>(item.config));
            break;
        case Kind::kCircuitBreaker:
            circuit_breakers_.policies.push_back(
                get<std::shared_ptr<const CircuitBreakerConfig>>(item.config));
            break;
        case Kind::kInstanceIsolation:
            isolations_.policies.push_back(
                get<std::shared_ptr<const CircuitBreakerConfig>>(item.config));
            break;
        case Kind::kBulkhead:
            bulkheads_.policies.push_back(get<std::shared_ptr<const BulkheadConfig>>(item.config));
            break;
        case Kind::kLoadBalance:
            loadbalances_.policies.push_back(
                get<std::shared_ptr<const LoadBalanceConfig>>(item.config));
            break;
        case Kind::kFaultInjection:
            fault_injections_.policies.push_back(
                get<std::shared_ptr<const FaultInjectionConfig>>(item.config));
            break;
        case Kind::kTimeLimiter:
            time_limiters_.policies.push_back(
                get<std::shared_ptr<const TimeLimiterConfig>>(item.config));
            break;
        case Kind::kRouteRule:
            route_rules_[item.name] = get<std::shared_ptr<const RouteRuleConfig>>(item.config);
            break;
        case Kind::kGlobalRouteRule:
            global_route_rule_ = get<std::shared_ptr<const RouteRuleConfig>>(item.config);
            break;
        case Kind::kOther:
            break;
    }
}

std::shared_ptr<const MatchGroupConfig> GovernanceSnapshot::match_group(
    std::string_view name) const {
    auto it = match_groups_.find(name);
    return it == match_groups_.end() ? nullptr : it->second;
}

std::shared_ptr<const MatchGroupConfig> GovernanceSnapshot::marker(std::string_view name) const {
    auto it = markers_.find(name);
    return it == markers_.end() ? nullptr : it->second;
}

std::vector<std::string> GovernanceSnapshot::matching_groups(const RequestView& request) const {
    std::vector<std::string> names;
    for (const auto* groups : {&match_groups_, &markers_}) {
        for (const auto& [name, group] : *groups) {
            if (group->matches(request)) {
                names.push_back(name);
            }
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::uint32_t GovernanceSnapshot::index_of(
    const std::shared_ptr<const MatchGroupConfig>& group) const {
    if (!group) {
        return kNoGroup;
    }
    const auto it = std::find(groups_.begin(), groups_.end(), group.get());
    assert(it != groups_.end());  // groups_ numbers every group of the two maps
    return static_cast<std::uint32_t>(it - groups_.begin());
}

template <class Config>
void GovernanceSnapshot::bind_java(BoundList<Config>& list) {
    list.groups.clear();
    for (const auto& policy : list.policies) {
        list.groups.push_back(index_of(match_group(policy->meta.name)));
    }
}

void GovernanceSnapshot::bind_rate_limits() {
    rate_limits_.groups.clear();
    for (const auto& policy : rate_limits_.policies) {
        if (policy->dialect == MatchDialect::kJava) {
            rate_limits_.groups.push_back(index_of(match_group(policy->meta.name)));
            continue;
        }
        // go-chassis names its marker; a java matchGroup of that name is accepted as well.
        auto group = marker(policy->match);
        rate_limits_.groups.push_back(index_of(group ? group : match_group(policy->match)));
    }
}

template <class Config, class Judge>
const std::shared_ptr<const Config>& GovernanceSnapshot::first_match(const BoundList<Config>& list,
                                                                     Judge judge) {
    for (std::size_t i = 0; i < list.policies.size(); ++i) {
        if (const auto group = list.groups[i]; group != kNoGroup && judge(group)) {
            return list.policies[i];
        }
    }
    static const std::shared_ptr<const Config> none;
    return none;
}

namespace {

/// Judges through the call's MatchedGroups, which must be of `snapshot`: its numbering is.
auto through(const GovernanceSnapshot& snapshot, MatchedGroups& matched) {
    assert(&matched.snapshot() == &snapshot);
    (void)snapshot;
    return [&matched](std::uint32_t group) { return matched.matches(group); };
}

}  // namespace

const std::shared_ptr<const RetryConfig>& GovernanceSnapshot::retry_for(
    MatchedGroups& matched) const {
    return first_match(retries_, through(*this, matched));
}

const std::shared_ptr<const RetryConfig>& GovernanceSnapshot::retry_for(
    const RequestView& request) const {
    return first_match(retries_, judging(request));
}

const std::shared_ptr<const RateLimitConfig>& GovernanceSnapshot::rate_limit_for(
    MatchedGroups& matched) const {
    return first_match(rate_limits_, through(*this, matched));
}

const std::shared_ptr<const RateLimitConfig>& GovernanceSnapshot::rate_limit_for(
    const RequestView& request) const {
    return first_match(rate_limits_, judging(request));
}

const std::shared_ptr<const CircuitBreakerConfig>& GovernanceSnapshot::circuit_breaker_for(
    MatchedGroups& matched) const {
    return first_match(circuit_breakers_, through(*this, matched));
}

const std::shared_ptr<const CircuitBreakerConfig>& GovernanceSnapshot::circuit_breaker_for(
    const RequestView& request) const {
    return first_match(circuit_breakers_, judging(request));
}

const std::shared_ptr<const CircuitBreakerConfig>& GovernanceSnapshot::instance_isolation_for(
    MatchedGroups& matched) const {
    return first_match(isolations_, through(*this, matched));
}

const std::shared_ptr<const CircuitBreakerConfig>& GovernanceSnapshot::instance_isolation_for(
    const RequestView& request) const {
    return first_match(isolations_, judging(request));
}

const std::shared_ptr<const BulkheadConfig>& GovernanceSnapshot::bulkhead_for(
    MatchedGroups& matched) const {
    return first_match(bulkheads_, through(*this, matched));
}

const std::shared_ptr<const BulkheadConfig>& GovernanceSnapshot::bulkhead_for(
    const RequestView& request) const {
    return first_match(bulkheads_, judging(request));
}

const std::shared_ptr<const LoadBalanceConfig>& GovernanceSnapshot::loadbalance_for(
    MatchedGroups& matched) const {
    return first_match(loadbalances_, through(*this, matched));
}

const std::shared_ptr<const LoadBalanceConfig>& GovernanceSnapshot::loadbalance_for(
    const RequestView& request) const {
    return first_match(loadbalances_, judging(request));
}

const std::shared_ptr<const FaultInjectionConfig>& GovernanceSnapshot::fault_injection_for(
    MatchedGroups& matched) const {
    return first_match(fault_injections_, through(*this, matched));
}

const std::shared_ptr<const FaultInjectionConfig>& GovernanceSnapshot::fault_injection_for(
    const RequestView& request) const {
    return first_match(fault_injections_, judging(request));
}

const std::shared_ptr<const TimeLimiterConfig>& GovernanceSnapshot::time_limiter_for(
    MatchedGroups& matched) const {
    return first_match(time_limiters_, through(*this, matched));
}

const std::shared_ptr<const TimeLimiterConfig>& GovernanceSnapshot::time_limiter_for(
    const RequestView& request) const {
    return first_match(time_limiters_, judging(request));
}

std::shared_ptr<const RouteRuleConfig> GovernanceSnapshot::route_rule_for(
    std::string_view target_service) const {
    auto it = route_rules_.find(target_service);
    return it != route_rules_.end() ? it->second : global_route_rule_;
}

RouteExplanation GovernanceSnapshot::explain_route(std::span<const Instance* const> candidates,
                                                   const RequestView& request) const {
    auto rule = route_rule_for(request.service_name);
    if (!rule) {
        return {};
    }
    RouteContext context{local_.name, local_.version,
                         [this](std::string_view name) { return marker(name); }};
    return governance::explain_route(*rule, candidates, request, context);
}

RouteResult GovernanceSnapshot::route(std::span<const Instance* const> candidates,
                                      const RequestView& request, const Excluded& excluded,
                                      Rng& rng) const {
    auto rule = route_rule_for(request.service_name);
    if (!rule) {
        return RouteResult{RouteOutcome::kNoRule, {candidates.begin(), candidates.end()}};
    }
    RouteContext context{local_.name, local_.version,
                         [this](std::string_view name) { return marker(name); }};
    return select_route(*rule, candidates, request, excluded, rng, context);
}

}  // namespace scagent::plugins::governance
