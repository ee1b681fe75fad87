#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/duration.hpp"
#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

/// Governance's duration dialect (spec §4.1): a bare integer of at most 10 digits is milliseconds,
/// anything else the time part of an ISO-8601 duration ("10s", "PT1M", "0.5S"); see
/// config::parse_iso_duration. Range checks are the caller's.
inline std::optional<Duration> parse_duration(std::string_view text) {
    return config::parse_iso_duration(text);
}

/// "1500ms", "2s", "90s": how durations appear in error messages (seconds at most).
inline std::string format_duration(Duration d) {
    return config::format_duration(d, std::chrono::seconds(1));
}

}  // namespace scagent::plugins::governance
