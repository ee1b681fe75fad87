#include "agent/dev_registry/dev_registry_command.hpp"

#include <cstdio>

namespace scagent::dev_registry {

int run_dev_registry_command(const DevRegistryOptions&) {
    std::fputs("sc-agent dev-registry: not implemented yet\n", stderr);
    return 1;
}

}  // namespace scagent::dev_registry
