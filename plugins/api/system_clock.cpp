#include "plugins/api/clock.hpp"

namespace scagent::plugins {

Clock& system_clock() {
    static SteadyClock clock;
    return clock;
}

}  // namespace scagent::plugins
