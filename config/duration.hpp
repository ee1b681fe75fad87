#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scagent::config {

/// Config durations are whole milliseconds.
using Duration = std::chrono::milliseconds;

/// Parses "500ms", "30s", "5m", "1h", "1m30s", "1.5s" (or "0"). A bare number other than 0, an
/// unknown unit, a negative value or a value finer than 1 ms is an error, described in *error.
std::optional<Duration> parse_duration(std::string_view text, std::string* error);

/// The shortest readable form: 1500ms -> "1500ms", 30000ms -> "30s", 300000ms -> "5m".
std::string format_duration(Duration duration);

}  // namespace scagent::config
