#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

#include "plugins/governance/common.hpp"
#include "plugins/governance/duration.hpp"

namespace scagent::plugins::governance {

/// `servicecomb.timeLimiter.<name>` (java-chassis governance, spec §4.3 "other Java kinds"): how
/// long one attempt may wait for its answer. The proxy applies it per try; a try past it ends
/// with 504 UPSTREAM_TIMEOUT (or is retried when the retry policy allows).
struct TimeLimiterConfig {
    PolicyMeta meta;
    Duration timeout_duration = std::chrono::milliseconds(1000);
    /// Java cancels the call's future; the proxy always abandons the attempt's connection.
    bool cancel_running_future = true;

    bool operator==(const TimeLimiterConfig&) const = default;
};

std::shared_ptr<const TimeLimiterConfig> parse_time_limiter(const YAML::Node& root,
                                                            std::string name, ItemErrors& errors);

}  // namespace scagent::plugins::governance
