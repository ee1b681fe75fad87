#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scagent::config {

/// Config durations are whole milliseconds.
using Duration = std::chrono::milliseconds;

// Every duration syntax the agent reads goes through one scanner (duration.cpp) with checked
// arithmetic: a value past ~292 years (int64 nanoseconds) is "too large", never wrapped. Each
// parser below describes what is wrong in *error when error is not null.

/// agent.yaml and the local API: "500ms", "30s", "5m", "1h", "1m30s", "1.5s" (or "0"). A bare
/// number other than 0, an unknown unit, a negative value or a value finer than 1 ms is an error.
std::optional<Duration> parse_duration(std::string_view text, std::string* error);

/// Go's time.ParseDuration without a sign: "10s", "1m30s", "500ms", "1.5h", "250us", "0".
/// Digits past nanosecond precision are truncated, as Go does.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text,
                                                          std::string* error = nullptr);

/// Governance durations as java-chassis reads them (spec §4.1): a bare integer of at most 10
/// digits (optionally negative) is milliseconds; anything else is the time part of an ISO-8601
/// duration with `PT` implied (a leading "PT" is tolerated), case-insensitive: "10s", "1M",
/// "0.5S", "1h30m", "-5S". Negative values are allowed here: range checks are the caller's.
std::optional<std::chrono::nanoseconds> parse_iso_duration(std::string_view text,
                                                           std::string* error = nullptr);

/// The shortest readable form: 1500ms -> "1500ms", 30000ms -> "30s", 300000ms -> "5m".
std::string format_duration(Duration duration);

/// The shortest exact form whose unit is at most `largest_unit` (one of 1h, 1min, 1s):
/// with 1s, 90s stays "90s" and 1500us is "1500000ns".
std::string format_duration(std::chrono::nanoseconds duration,
                            std::chrono::nanoseconds largest_unit);

}  // namespace scagent::config
