#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace scagent::dev_registry {

/// Parses a Go duration ("10s", "1m30s", "500ms", "1.5h"); nothing on bad input. Negative
/// durations are rejected: neither `wait=` nor `tokenExpirationTime` may be negative.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace scagent::dev_registry
