#pragma once

#include <string>
#include <string_view>

#include "config/agent_config.hpp"

namespace scagent::app {

/// Points spdlog's default logger at stderr (journald or the container runtime collect it) in
/// the configured format and level. Every line passes through redact_secrets() first.
void configure_logging(const config::LogSettings& settings);

/// Masks credentials that may hide in a log line: Authorization header values, bearer tokens,
/// and password/token/secret fields in JSON, YAML or query form.
std::string redact_secrets(std::string_view line);

/// One JSON object per line: {"time","level","logger","message"} (the json log format).
std::string format_json_line(std::string_view time_iso8601, std::string_view level,
                             std::string_view logger, std::string_view message);

}  // namespace scagent::app
