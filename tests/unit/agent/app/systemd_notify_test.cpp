// The notify protocol as the agent writes it without libsystemd: the forms of NOTIFY_SOCKET
// the integration tests (a path socket, tests/integration/registration) do not reach, and
// sd_watchdog_enabled's WATCHDOG_PID rule.
#include "agent/app/systemd_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>

namespace scagent::app {
namespace {

/// Sets an environment variable for one test and puts the old value back.
class ScopedEnvironment {
  public:
    ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
        }
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnvironment() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(SystemdNotifier, ABareAtOrAPathTooLongForSunPathIsNotUsed) {
    // Nothing may be sent, and nothing overrun: sun_path holds 108 bytes with the NUL.
    for (const std::string& bad :
         {std::string("@"), "/" + std::string(107, 'x'), std::string("vsock:2:9")}) {
        ScopedEnvironment socket("NOTIFY_SOCKET", bad);
        SystemdNotifier{}.ready("x");  // must return without writing past sun_path (ASan)
    }
    // The longest path that fits is used: a receiver bound there gets the message.
    const std::string directory = ::testing::TempDir();
    std::string path = directory + "/n";
    path += std::string(107 - path.size(), 'n');
    ASSERT_EQ(path.size(), 107U);
    ::unlink(path.c_str());
    const int receiver = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(receiver, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, path.size());
    ASSERT_EQ(::bind(receiver, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ScopedEnvironment socket("NOTIFY_SOCKET", path);
    SystemdNotifier{}.status("longest");
    char datagram[64] = {};
    const auto n = ::recv(receiver, datagram, sizeof datagram, MSG_DONTWAIT);
    ::close(receiver);
    ::unlink(path.c_str());
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(datagram, static_cast<std::size_t>(n)), "STATUS=longest");
}

TEST(SystemdNotifier, WritesToAnAbstractSocketNamedWithAnAt) {
    const std::string name = "sc-agent-notify-test-" + std::to_string(::getpid());
    const int receiver = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(receiver, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    name.copy(address.sun_path + 1, name.size());  // sun_path[0] == '\0': abstract namespace
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    ASSERT_EQ(::bind(receiver, reinterpret_cast<const sockaddr*>(&address), size), 0);

    ScopedEnvironment socket("NOTIFY_SOCKET", "@" + name);
    SystemdNotifier{}.ready("serving");

    char datagram[256] = {};
    const auto n = ::recv(receiver, datagram, sizeof datagram, MSG_DONTWAIT);
    ::close(receiver);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(datagram, static_cast<std::size_t>(n)), "READY=1\nSTATUS=serving");
}

TEST(SystemdNotifier, TheWatchdogIsOnlyForTheProcessWatchdogPidNames) {
    ScopedEnvironment usec("WATCHDOG_USEC", "400000");
    {
        ScopedEnvironment pid("WATCHDOG_PID", std::to_string(::getpid()));
        EXPECT_EQ(SystemdNotifier{}.watchdog_timeout(), std::chrono::microseconds(400000));
    }
    {
        ScopedEnvironment pid("WATCHDOG_PID", std::to_string(::getpid() + 1));
        EXPECT_EQ(SystemdNotifier{}.watchdog_timeout(), std::nullopt);
    }
    ::unsetenv("WATCHDOG_PID");
    EXPECT_EQ(SystemdNotifier{}.watchdog_timeout(), std::chrono::microseconds(400000));
}

TEST(SystemdNotifier, AWatchdogPidThatIsNotANumberTurnsTheWatchdogOff) {
    ScopedEnvironment usec("WATCHDOG_USEC", "400000");
    for (const char* bad : {"", "12x", "-1"}) {
        ScopedEnvironment pid("WATCHDOG_PID", bad);
        EXPECT_EQ(SystemdNotifier{}.watchdog_timeout(), std::nullopt) << bad;
    }
}

TEST(SystemdNotifier, AWatchdogIntervalThatIsNotANumberOrInfinityIsOff) {
    ::unsetenv("WATCHDOG_PID");
    for (const char* bad : {"", "0", "12x", "-5", "18446744073709551615", "9223372036854775808"}) {
        ScopedEnvironment usec("WATCHDOG_USEC", bad);
        EXPECT_EQ(SystemdNotifier{}.watchdog_timeout(), std::nullopt) << bad;
    }
}

}  // namespace
}  // namespace scagent::app
