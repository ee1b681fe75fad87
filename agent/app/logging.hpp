#pragma once

#include <string>
#include <string_view>

#include "agent/app/redaction.hpp"
#include "config/agent_config.hpp"

namespace scagent::app {

/// Points spdlog's default logger at stderr (journald or the container runtime collect it) in
/// the configured format and level. Every line passes through sanitize_log_message() first.
void configure_logging(const config::LogSettings& settings);

/// What the sink writes of a message: secrets masked (redact_secrets), control characters and
/// bytes that are not UTF-8 escaped so that no text can forge a line, at most 16 KiB of it.
std::string sanitize_log_message(std::string_view message);

/// One JSON object per line: {"time","level","logger","message"} (the json log format).
std::string format_json_line(std::string_view time_iso8601, std::string_view level,
                             std::string_view logger, std::string_view message);

}  // namespace scagent::app
