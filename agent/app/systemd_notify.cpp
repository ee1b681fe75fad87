#include "agent/app/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

namespace scagent::app {

void SystemdNotifier::send(const std::string& state) const {
    const int result = sd_notify(0, state.c_str());
    if (result < 0) {
        spdlog::debug("sd_notify failed: {}", result);
    }
}

void SystemdNotifier::ready(std::string_view status) const {
    send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::status(std::string_view status) const {
    send("STATUS=" + std::string(status));
}

void SystemdNotifier::stopping() const {
    send("STOPPING=1\nSTATUS=draining");
}

void SystemdNotifier::reloading(std::string_view status) const {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1000000U +
                      static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=" + std::string(status));
}

void SystemdNotifier::watchdog() const {
    send("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_timeout() const {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        return std::chrono::microseconds(usec);
    }
    return std::nullopt;
}

}  // namespace scagent::app
