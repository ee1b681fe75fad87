#pragma once

#include <optional>
#include <string>

#include "config/loader.hpp"

namespace scagent::app {

/// Loads the configuration; on any problem prints every diagnostic to stderr. Logging is not
/// configured yet at this point, so this writes plain lines.
std::optional<config::LoadedConfig> load_or_report(const std::string& path,
                                                   const config::LoadOptions& options = {});

/// Logs what the agent is going to do with this configuration, one line per fact.
void log_plan(const config::LoadedConfig& loaded);

}  // namespace scagent::app
