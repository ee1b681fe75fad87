#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugins/governance/bulkhead.hpp"
#include "plugins/governance/circuit_breaker.hpp"
#include "plugins/governance/common.hpp"
#include "plugins/governance/fault_injection.hpp"
#include "plugins/governance/loadbalance_policy.hpp"
#include "plugins/governance/match/match_group.hpp"
#include "plugins/governance/rate_limit.hpp"
#include "plugins/governance/retry.hpp"
#include "plugins/governance/route_rule.hpp"
#include "plugins/governance/time_limiter.hpp"

namespace scagent::plugins::governance {

/// The kinds of spec §3.3 that sc-agent applies, plus the go-chassis marker (`match`).
enum class Kind {
    kMatchGroup,
    kMarker,
    kRetry,
    kRateLimiting,
    kCircuitBreaker,
    kInstanceIsolation,
    kBulkhead,
    kLoadBalance,
    kFaultInjection,
    kTimeLimiter,
    kRouteRule,
    kGlobalRouteRule,
    kOther,  // not a kind sc-agent applies (mapper, identifierRateLimiting, other configuration)
};

/// The spelling used in keys and reports: "matchGroup", "match", "retry", ...
std::string_view kind_name(Kind kind) noexcept;
/// Every kind but kOther, in declaration order.
std::span<const Kind> governance_kinds() noexcept;

using AnyConfig =
    std::variant<std::monostate, std::shared_ptr<const MatchGroupConfig>,
                 std::shared_ptr<const RetryConfig>, std::shared_ptr<const RateLimitConfig>,
                 std::shared_ptr<const CircuitBreakerConfig>, std::shared_ptr<const BulkheadConfig>,
                 std::shared_ptr<const LoadBalanceConfig>,
                 std::shared_ptr<const FaultInjectionConfig>,
                 std::shared_ptr<const RouteRuleConfig>, std::shared_ptr<const TimeLimiterConfig>>;

/// The result of parsing one kie item. `config` is set iff the item is a governance kind and
/// has no errors (circuitBreaker and instanceIsolation both hold a CircuitBreakerConfig).
struct ParsedItem {
    std::string key;
    Kind kind = Kind::kOther;
    std::string name;
    AnyConfig config;
    ItemErrors errors;
    std::vector<std::string> warnings;
    std::string ignored_reason;  // kOther: why sc-agent does not apply it

    bool ok() const noexcept { return config.index() != 0; }
    /// Each error as `<key>:<line>:<col>: <path>: <message>`.
    std::vector<std::string> rendered_errors() const;
};

/// Parses `servicecomb.<kind>.<name>` with its YAML text value. Never throws: malformed YAML,
/// bad fields and unexpected failures all come back as errors.
ParsedItem parse_item(std::string_view key, std::string_view value) noexcept;

}  // namespace scagent::plugins::governance
