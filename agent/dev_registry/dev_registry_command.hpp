#pragma once

#include <string>

namespace scagent::dev_registry {

/// Options of `sc-agent dev-registry`.
struct DevRegistryOptions {
    std::string listen = "127.0.0.1:30100";      ///< service center v4
    std::string kie_listen = "127.0.0.1:30110";  ///< kie config center
    std::string auth;                            ///< "user:password" turns RBAC on; empty = off
};

/// Runs the embedded dev registry until SIGINT/SIGTERM; returns the process exit code.
int run_dev_registry_command(const DevRegistryOptions& options);

}  // namespace scagent::dev_registry
