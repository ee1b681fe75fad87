#include "agent/app/cli.hpp"

namespace scagent::app {

int run_cli(int, char**) { return 0; }

}  // namespace scagent::app
