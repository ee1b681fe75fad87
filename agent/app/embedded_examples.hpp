#pragma once

#include <map>
#include <string>

namespace scagent::app {

/// Path under which the bundled dev configuration is known (it never touches the disk).
inline constexpr const char* kEmbeddedDevConfig = "<builtin>/dev-agent.yaml";

/// config/examples/dev-agent.yaml and its services.d/, compiled into the binary so that
/// `sc-agent dev` works from any directory and from an installed package.
std::map<std::string, std::string> embedded_dev_files();

}  // namespace scagent::app
