#pragma once

#include <chrono>
#include <string_view>

namespace spdlog {
class logger;
}

namespace scagent::proxy {

/// One call as the access log (`log.access`) shows it.
struct AccessEntry {
    std::string_view direction;  ///< "outbound" (the proxy) or "inbound" (in front of the app)
    std::string_view method;
    std::string_view service;  ///< the target (outbound) or the local service (inbound)
    std::string_view app;
    std::string_view path;
    std::string_view caller;  ///< empty: not known
    unsigned status = 0;
    int attempts = 0;
    std::string_view instance;  ///< the instance that answered; empty: none
    std::chrono::nanoseconds elapsed{};
    std::string_view why;  ///< empty: nothing worth saying
};

/// Writes `entry` as one JSON line.
void log_access(spdlog::logger& log, const AccessEntry& entry);

}  // namespace scagent::proxy
