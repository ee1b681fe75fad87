// The readiness protocol of the real binary as systemd sees it: a test-owned NOTIFY_SOCKET and
// WATCHDOG_USEC stand in for a Type=notify unit with WatchdogSec=.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/integration/registration/child_process.hpp"
#include "tests/integration/registration/notify_socket.hpp"
#include "tests/support/agent_config.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_paths.hpp"
#include "tests/support/wait.hpp"

namespace scagent::test {
namespace {

/// Every message in `messages` before index `end` that carries `line`.
std::size_t count_lines(const std::vector<std::string>& messages, std::size_t end,
                        const std::string& line) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < end && i < messages.size(); ++i) {
        count += NotifySocket::has_line(messages[i], line) ? 1 : 0;
    }
    return count;
}

std::string joined(const std::vector<std::string>& messages) {
    std::string out;
    for (const auto& message : messages) {
        out += "[" + message + "]\n";
    }
    return out;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

TEST(SystemdNotifyTest, ReadyAfterRegistrationWatchdogPingsReloadingAndStopping) {
    // The registry is down at first: the agent must stay "activating" (no READY=1) and say why.
    RegistryRunner registry;
    registry.stop();
    TempDir dir;
    write_descriptor(dir, "cart");
    AgentYaml yaml;
    yaml.registry = registry.url();
    yaml.log_level = "info";
    NotifySocket notify((dir.path() / "notify.sock").string());
    // 400 ms: the agent pings every 200 ms, so several pings arrive while the test waits.
    ChildProcess agent({scagent::test::agent_binary(), "run", "--config", yaml.write(dir)},
                       (dir.path() / "agent.log").string(),
                       {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=400000"});

    const auto retrying = notify.wait_for(
        [](const std::string& message) {
            return starts_with(message, "STATUS=registry unreachable, retrying");
        },
        kEventDeadline);
    ASSERT_TRUE(retrying) << joined(notify.messages()) << agent.log();
    EXPECT_EQ(count_lines(notify.messages(), *retrying, "READY=1"), 0U)
        << "READY=1 before any registration:\n"
        << joined(notify.messages());

    // The event loop pings while the agent is not ready: two more pings after the STATUS line.
    ASSERT_TRUE(notify.wait_for_line("WATCHDOG=1", kEventDeadline)) << agent.log();
    ASSERT_TRUE(notify.wait_for_line("WATCHDOG=1", kEventDeadline)) << agent.log();
    EXPECT_EQ(count_lines(notify.messages(), notify.messages().size(), "READY=1"), 0U)
        << joined(notify.messages());

    registry.start();
    const auto ready = notify.wait_for_line("READY=1", kEventDeadline);
    ASSERT_TRUE(ready) << joined(notify.messages()) << agent.log();
    // READY=1 waits for the registration's answer, so the registry already holds the instance.
    EXPECT_TRUE(registry.instance("cart").has_value()) << agent.log();
    EXPECT_TRUE(
        NotifySocket::has_line(notify.messages()[*ready], "STATUS=registered 1 local service(s)"))
        << notify.messages()[*ready];

    ASSERT_TRUE(notify.wait_for_line("WATCHDOG=1", kEventDeadline)) << agent.log();
    ASSERT_TRUE(notify.wait_for_line("WATCHDOG=1", kEventDeadline)) << agent.log();

    // SIGHUP: RELOADING=1 (with the MONOTONIC_USEC that Type=notify-reload needs), then READY=1.
    agent.signal(SIGHUP);
    const auto reloading = notify.wait_for_line("RELOADING=1", kEventDeadline);
    ASSERT_TRUE(reloading) << joined(notify.messages()) << agent.log();
    EXPECT_NE(notify.messages()[*reloading].find("\nMONOTONIC_USEC="), std::string::npos)
        << notify.messages()[*reloading];
    const auto reloaded = notify.wait_for_line("READY=1", kEventDeadline);
    ASSERT_TRUE(reloaded) << joined(notify.messages()) << agent.log();
    EXPECT_NE(notify.messages()[*reloaded].find("STATUS=reloaded: 0 added, 0 removed"),
              std::string::npos)
        << notify.messages()[*reloaded];

    agent.signal(SIGTERM);
    const auto stopping = notify.wait_for_line("STOPPING=1", kEventDeadline);
    ASSERT_TRUE(stopping) << joined(notify.messages()) << agent.log();
    ASSERT_EQ(agent.wait(kEventDeadline), 0) << agent.log();
    EXPECT_TRUE(registry.instances("cart").empty()) << "deregistered before exiting";
    // Everything the agent sent is queued in the socket by now; nothing after STOPPING=1 may
    // claim readiness again.
    notify.drain();
    const auto& all = notify.messages();
    EXPECT_EQ(count_lines(all, all.size(), "READY=1"), 2U) << joined(all);
    for (std::size_t i = *stopping; i < all.size(); ++i) {
        EXPECT_FALSE(NotifySocket::has_line(all[i], "READY=1")) << joined(all);
    }
}

}  // namespace
}  // namespace scagent::test
