#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

/// Parses a governance duration as java-chassis does (spec §4.1): a bare integer of at most 10
/// digits (optionally negative) is milliseconds; anything else is the time part of an ISO-8601
/// duration with `PT` implied, case-insensitive: "10s", "1M", "0.5S", "1h30m". A leading "PT" is
/// tolerated too. Returns nullopt when the text is neither; range checks are the caller's.
std::optional<Duration> parse_duration(std::string_view text);

/// "1500ms", "2s", "90s": how durations appear in error messages.
std::string format_duration(Duration d);

}  // namespace scagent::plugins::governance
