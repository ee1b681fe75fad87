#include "agent/proxy/access_log.hpp"

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

namespace scagent::proxy {

void log_access(spdlog::logger& log, const AccessEntry& entry) {
    nlohmann::json line{
        {"direction", entry.direction},
        {"method", entry.method},
        {"service", entry.service},
        {"app", entry.app},
        {"path", entry.path},
        {"status", entry.status},
        {"attempts", entry.attempts},
        {"instance", entry.instance},
        {"durationMs", std::chrono::duration<double, std::milli>(entry.elapsed).count()},
        {"why", entry.why.empty() ? nlohmann::json(nullptr) : nlohmann::json(entry.why)}};
    if (!entry.caller.empty()) {
        line["caller"] = entry.caller;
    }
    log.info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace scagent::proxy
