#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scagent::app {

/// sd_notify(3) for a Type=notify unit. Every call is a no-op when NOTIFY_SOCKET is unset
/// (not started by systemd), so the daemon calls them unconditionally.
class SystemdNotifier {
  public:
    /// READY=1 with a STATUS= line saying why the agent considers itself ready.
    void ready(std::string_view status) const;
    void status(std::string_view status) const;
    void stopping() const;
    /// RELOADING=1 (with MONOTONIC_USEC, which Type=notify-reload requires): systemd shows the
    /// unit "reloading" until the next ready().
    void reloading(std::string_view status) const;
    void watchdog() const;
    /// The unit's WatchdogSec when the watchdog is on for this process (sd_watchdog_enabled).
    std::optional<std::chrono::microseconds> watchdog_timeout() const;

  private:
    void send(const std::string& state) const;
};

}  // namespace scagent::app
