#include "agent/app/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace scagent::app {
namespace {

// The notify protocol is systemd's stable interface (sd_notify(3), "NOTES"): one datagram of
// newline-separated assignments to the AF_UNIX socket named by $NOTIFY_SOCKET. It is written
// here instead of linking libsystemd, which loads seven more shared libraries (libgcrypt,
// liblz4, libzstd, liblzma, libcap, ...) for these two calls: about 1 MiB of the agent's
// resident memory (docs/proxy.md, "What an idle agent keeps resident").

/// $NAME as an unsigned number, or nothing when unset or not a number.
std::optional<std::uint64_t> environment_number(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto* end = text + std::strlen(text);
    const auto [rest, error] = std::from_chars(text, end, value);
    if (error != std::errc{} || rest != end) {
        return std::nullopt;
    }
    return value;
}

/// Sends `state` to $NOTIFY_SOCKET: 0 when it is unset, 1 when sent, -errno on failure.
int notify(const std::string& state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || *path == '\0') {
        return 0;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const auto length = std::strlen(path);
    // A path, or '@' and a name for Linux's abstract namespace; systemd's other forms (vsock:)
    // are for virtual machines, not for a sidecar under a host's systemd.
    if ((path[0] != '/' && path[0] != '@') || length < 2 || length >= sizeof(address.sun_path)) {
        return -EAFNOSUPPORT;
    }
    std::memcpy(address.sun_path, path, length);
    if (path[0] == '@') {
        address.sun_path[0] = '\0';
    }
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    const auto sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&address), size);
    const int error = sent < 0 ? errno : 0;
    ::close(fd);
    return sent < 0 ? -error : 1;
}

}  // namespace

void SystemdNotifier::send(const std::string& state) const {
    const int result = notify(state);
    if (result < 0) {
        // Once at warning level: a Type=notify unit whose messages cannot be sent stays
        // "activating" until TimeoutStartSec, and the log should say why.
        static std::atomic<bool> warned{false};
        if (!warned.exchange(true)) {
            spdlog::warn("cannot notify systemd through NOTIFY_SOCKET={}: {}",
                         std::getenv("NOTIFY_SOCKET"), std::strerror(-result));
        } else {
            spdlog::debug("sd_notify failed: {}", std::strerror(-result));
        }
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
    // As sd_watchdog_enabled(3): WATCHDOG_USEC is the interval; WATCHDOG_PID, when set, names
    // the process meant (a child started by the service does not inherit the duty).
    // The interval must fit a signed duration; systemd's "infinity" (UINT64_MAX) means off.
    const auto usec = environment_number("WATCHDOG_USEC");
    constexpr auto kLongest = static_cast<std::uint64_t>(std::chrono::microseconds::max().count());
    if (!usec || *usec == 0 || *usec > kLongest) {
        return std::nullopt;
    }
    // Set but not a number is off too, as in sd_watchdog_enabled.
    if (std::getenv("WATCHDOG_PID") != nullptr) {
        const auto pid = environment_number("WATCHDOG_PID");
        if (!pid || *pid != static_cast<std::uint64_t>(::getpid())) {
            return std::nullopt;
        }
    }
    return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec));
}

}  // namespace scagent::app
