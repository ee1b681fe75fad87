#pragma once

#include <boost/container/small_vector.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/api/rng.hpp"
#include "plugins/governance/item_parser.hpp"

namespace scagent::plugins::governance {

/// One kie item (or governance_file entry) as delivered; `source` says where it came from,
/// e.g. "kie:service" or "file:/etc/sc-agent/governance.yaml".
struct GovernanceInput {
    std::string key;
    std::string value;
    std::string source;
};

struct LocalService {
    std::string name;
    std::string version;
    /// The host's other local services (name, version) whose kie dimensions are merged into
    /// the same snapshot: an item whose `services` admits any of them applies too.
    std::vector<std::pair<std::string, std::string>> others{};
};

enum class ItemStatus {
    kApplied,
    kRejected,  // failed validation; `errors` says why
    kIgnored,   // valid or not ours: filtered by `services`, overridden, or not a kind we apply
};

std::string_view item_status_name(ItemStatus status) noexcept;

/// What `/v1/agent/governance` shows for one item.
struct ItemReport {
    std::string key;
    std::string source;
    std::string kind;  // kind_name(), "other" for keys sc-agent does not apply
    std::string name;
    ItemStatus status = ItemStatus::kIgnored;
    std::vector<std::string> errors;  // rendered `<key>:<line>:<col>: <path>: <message>`
    std::vector<std::string> notes;   // warnings and reasons for kIgnored
};

struct KindCounts {
    std::size_t loaded = 0;
    std::size_t rejected = 0;
    std::size_t ignored = 0;
};

class GovernanceSnapshot;

/// Which of one snapshot's match groups one request matches, each group evaluated at most once
/// however many kinds of policy ask: a proxied call asks up to eight, and with 100 groups bound
/// to every kind that was most of the call's governance cost. Lives for one call (on its
/// coroutine frame), with the snapshot and the request it was made for; up to 128 groups
/// without an allocation. Not thread-safe.
class MatchedGroups {
  public:
    MatchedGroups(const GovernanceSnapshot& snapshot, const RequestView& request);
    // It keeps both by address: a temporary would be gone before the first lookup.
    MatchedGroups(const GovernanceSnapshot&&, const RequestView&) = delete;
    MatchedGroups(const GovernanceSnapshot&, const RequestView&&) = delete;

    const GovernanceSnapshot& snapshot() const noexcept { return *snapshot_; }
    const RequestView& request() const noexcept { return *request_; }
    /// Whether group `index` (the snapshot's numbering) matches the request.
    bool matches(std::uint32_t index);

  private:
    enum : std::uint8_t { kUnknown, kNo, kYes };
    const GovernanceSnapshot* snapshot_;
    const RequestView* request_;
    boost::container::small_vector<std::uint8_t, 128> verdicts_;
};

/// The whole effective governance of this process at one moment, immutable once built and
/// published as `shared_ptr<const GovernanceSnapshot>`.
///
/// Invariants:
/// 1. Each key appears once among the applied items; a later input with the same key replaces
///    an earlier one (later kie dimensions override earlier ones).
/// 2. Only items whose `services` admit the local service (or one of `others`) are applied.
/// 3. Policy lists are sorted by (order, name); lookups return the first whose matchGroup of the
///    same name (for go-chassis rateLimiting: the marker named by `match`) matches.
class GovernanceSnapshot {
  public:
    static std::shared_ptr<const GovernanceSnapshot> build(std::span<const GovernanceInput> inputs,
                                                           LocalService local);

    const LocalService& local_service() const noexcept { return local_; }
    /// Whether any match group, marker or route rule looks at request headers; when none does,
    /// the proxy need not copy a call's headers into its RequestView.
    bool reads_headers() const noexcept { return reads_headers_; }
    const std::vector<ItemReport>& items() const noexcept { return items_; }
    /// Keyed by kind_name(); every governance kind is present, with zeros when unused.
    const std::map<std::string, KindCounts, std::less<>>& counts() const noexcept {
        return counts_;
    }

    std::shared_ptr<const MatchGroupConfig> match_group(std::string_view name) const;
    /// A go-chassis `servicecomb.match.<name>` marker.
    std::shared_ptr<const MatchGroupConfig> marker(std::string_view name) const;
    /// The names of the match groups (and markers) `request` matches, sorted (`/v1/explain`).
    std::vector<std::string> matching_groups(const RequestView& request) const;

    /// The first policy of each kind (in order) whose match group matches. A call that looks
    /// up several kinds passes one MatchedGroups to all; the RequestView forms, for a single
    /// lookup, judge the groups as they go and keep no verdicts (one lookup seldom asks a group
    /// twice, and keeping them costs a byte per group to clear). The answer lives as long as the
    /// snapshot: a caller that only reads it during the call need not copy it.
    const std::shared_ptr<const RetryConfig>& retry_for(MatchedGroups& matched) const;
    const std::shared_ptr<const RateLimitConfig>& rate_limit_for(MatchedGroups& matched) const;
    const std::shared_ptr<const CircuitBreakerConfig>& circuit_breaker_for(
        MatchedGroups& matched) const;
    const std::shared_ptr<const CircuitBreakerConfig>& instance_isolation_for(
        MatchedGroups& matched) const;
    const std::shared_ptr<const BulkheadConfig>& bulkhead_for(MatchedGroups& matched) const;
    const std::shared_ptr<const LoadBalanceConfig>& loadbalance_for(MatchedGroups& matched) const;
    const std::shared_ptr<const FaultInjectionConfig>& fault_injection_for(
        MatchedGroups& matched) const;
    const std::shared_ptr<const TimeLimiterConfig>& time_limiter_for(MatchedGroups& matched) const;
    const std::shared_ptr<const RetryConfig>& retry_for(const RequestView& request) const;
    const std::shared_ptr<const RateLimitConfig>& rate_limit_for(const RequestView& request) const;
    const std::shared_ptr<const CircuitBreakerConfig>& circuit_breaker_for(
        const RequestView& request) const;
    const std::shared_ptr<const CircuitBreakerConfig>& instance_isolation_for(
        const RequestView& request) const;
    const std::shared_ptr<const BulkheadConfig>& bulkhead_for(const RequestView& request) const;
    const std::shared_ptr<const LoadBalanceConfig>& loadbalance_for(
        const RequestView& request) const;
    const std::shared_ptr<const FaultInjectionConfig>& fault_injection_for(
        const RequestView& request) const;
    const std::shared_ptr<const TimeLimiterConfig>& time_limiter_for(
        const RequestView& request) const;

    /// The target's own route rule, else the global one, else null.
    std::shared_ptr<const RouteRuleConfig> route_rule_for(std::string_view target_service) const;
    /// Applies route_rule_for(request.service_name) to `candidates`.
    RouteResult route(std::span<const Instance* const> candidates, const RequestView& request,
                      const Excluded& excluded, Rng& rng) const;
    /// What route() would consider, without the weighted draw (`/v1/explain`).
    RouteExplanation explain_route(std::span<const Instance* const> candidates,
                                   const RequestView& request) const;

    template <class Config>
    using PolicyList = std::vector<std::shared_ptr<const Config>>;

    const PolicyList<RetryConfig>& retries() const noexcept { return retries_.policies; }
    const PolicyList<RateLimitConfig>& rate_limits() const noexcept {
        return rate_limits_.policies;
    }
    const PolicyList<CircuitBreakerConfig>& circuit_breakers() const noexcept {
        return circuit_breakers_.policies;
    }
    const PolicyList<CircuitBreakerConfig>& instance_isolations() const noexcept {
        return isolations_.policies;
    }
    const PolicyList<BulkheadConfig>& bulkheads() const noexcept { return bulkheads_.policies; }
    const PolicyList<LoadBalanceConfig>& loadbalances() const noexcept {
        return loadbalances_.policies;
    }
    const PolicyList<FaultInjectionConfig>& fault_injections() const noexcept {
        return fault_injections_.policies;
    }
    const PolicyList<TimeLimiterConfig>& time_limiters() const noexcept {
        return time_limiters_.policies;
    }

  private:
    friend class MatchedGroups;

    /// A policy list in lookup order and, at the same index, the number of the match group that
    /// selects each policy (kNoGroup when no group of that name exists: the policy never
    /// applies). Resolved once per snapshot, so a lookup neither searches the groups by name
    /// nor copies a shared_ptr per policy it passes: with 100 groups that was most of a
    /// lookup's cost.
    template <class Config>
    struct BoundList {
        PolicyList<Config> policies;
        std::vector<std::uint32_t> groups;  // indexes into groups_; kNoGroup: never applies
    };
    static constexpr std::uint32_t kNoGroup = UINT32_MAX;

    /// The first policy of `list` whose group `judge(group number)` says matches.
    template <class Config, class Judge>
    static const std::shared_ptr<const Config>& first_match(const BoundList<Config>& list,
                                                            Judge judge);
    /// A judge for a single lookup: asks each group about `request`, keeping no verdicts.
    auto judging(const RequestView& request) const {
        return [this, &request](std::uint32_t group) { return groups_[group]->matches(request); };
    }
    std::uint32_t index_of(const std::shared_ptr<const MatchGroupConfig>& group) const;
    template <class Config>
    void bind_java(BoundList<Config>& list);
    void bind_rate_limits();
    void apply(const ParsedItem& item);

    LocalService local_;
    std::vector<ItemReport> items_;
    std::map<std::string, KindCounts, std::less<>> counts_;
    std::map<std::string, std::shared_ptr<const MatchGroupConfig>, std::less<>> match_groups_;
    std::map<std::string, std::shared_ptr<const MatchGroupConfig>, std::less<>> markers_;
    /// Every match group and marker, numbered for MatchedGroups (owned by the maps above).
    std::vector<const MatchGroupConfig*> groups_;
    BoundList<RetryConfig> retries_;
    BoundList<RateLimitConfig> rate_limits_;
    BoundList<CircuitBreakerConfig> circuit_breakers_;
    BoundList<CircuitBreakerConfig> isolations_;
    BoundList<BulkheadConfig> bulkheads_;
    BoundList<LoadBalanceConfig> loadbalances_;
    BoundList<TimeLimiterConfig> time_limiters_;
    BoundList<FaultInjectionConfig> fault_injections_;
    std::map<std::string, std::shared_ptr<const RouteRuleConfig>, std::less<>> route_rules_;
    std::shared_ptr<const RouteRuleConfig> global_route_rule_;
    bool reads_headers_ = false;
};

inline MatchedGroups::MatchedGroups(const GovernanceSnapshot& snapshot, const RequestView& request)
    : snapshot_(&snapshot), request_(&request), verdicts_(snapshot.groups_.size(), kUnknown) {}

inline bool MatchedGroups::matches(std::uint32_t index) {
    auto& verdict = verdicts_[index];
    if (verdict == kUnknown) {
        verdict = snapshot_->groups_[index]->matches(*request_) ? kYes : kNo;
    }
    return verdict == kYes;
}

}  // namespace scagent::plugins::governance
