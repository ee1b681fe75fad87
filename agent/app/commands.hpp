#pragma once

#include <optional>
#include <string>

namespace scagent::app {

/// Exit codes of every command (sysexits.h values where one fits).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitUsage = 64;   ///< bad command line
inline constexpr int kExitConfig = 78;  ///< EX_CONFIG: invalid or unreadable configuration
/// EX_OSERR: an io_uring build on a kernel (or under seccomp) that refuses io_uring. Like 78,
/// restarting cannot fix it (the systemd unit's RestartPreventExitStatus).
inline constexpr int kExitNoIoUring = 71;

/// `sc-agent validate --config FILE`: prints every diagnostic; 0 valid, 78 invalid.
int validate_command(const std::string& config_path);

/// `sc-agent run --config FILE`: the daemon.
int run_command(const std::string& config_path);

/// `sc-agent dev [--config FILE]`: embedded dev registry + the agent; the bundled example when
/// no file is given.
int dev_command(const std::optional<std::string>& config_path);

}  // namespace scagent::app
