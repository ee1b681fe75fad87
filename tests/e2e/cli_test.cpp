#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_paths.hpp"

namespace scagent {
namespace {

using test::run_command_line;

std::string agent(const std::string& args) {
    return scagent::test::agent_binary() + " " + args;
}

TEST(Cli, VersionPrintsTheVersion) {
    const auto result = run_command_line(agent("--version"));
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.output.rfind("sc-agent 0.1.0 (", 0), 0u) << result.output;
    // The event loops' backend is part of what an operator reports (agent/runtime/io_backend.hpp).
    EXPECT_TRUE(result.output.find(", epoll)") != std::string::npos ||
                result.output.find(", io_uring)") != std::string::npos)
        << result.output;
}

TEST(Cli, ValidateAcceptsTheAnnotatedExample) {
    const auto result = run_command_line(
        agent("validate --config " + scagent::test::source_dir() + "/config/examples/agent.yaml"));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("valid; 2 service descriptor(s)"), std::string::npos)
        << result.output;
}

TEST(Cli, ValidatePrintsEveryProblemAndExits78) {
    test::TempDir dir;
    const auto config = dir.write("agent.yaml",
                                  "services: []\n"
                                  "registry:\n"
                                  "  refresh_intervall: 10s\n"
                                  "threads: 1\n"
                                  "threads: 2\n"
                                  "drain: {delay: 5sec}\n");
    const auto result = run_command_line(agent("validate --config " + config));
    EXPECT_EQ(result.exit_code, 78);
    EXPECT_EQ(result.output,
              config +
                  ":3:3: registry.refresh_intervall: unknown key (did you mean "
                  "'refresh_interval'?)\n" +
                  config + ":5:1: threads: duplicate key (first defined at line 4)\n" + config +
                  ":6:16: drain.delay: unknown unit 'sec' in duration '5sec'; use ms, s, m or h\n");
}

TEST(Cli, RunWithAMissingConfigIsOneClearLine) {
    const auto result = run_command_line(agent("run --config /nonexistent/sc-agent/agent.yaml"));
    EXPECT_EQ(result.exit_code, 78);
    EXPECT_EQ(result.output,
              "/nonexistent/sc-agent/agent.yaml: cannot read config file "
              "/nonexistent/sc-agent/agent.yaml: No such file or directory\n");
}

TEST(Cli, DevRefusesARegistryAddressOffLoopback) {
    test::TempDir dir;
    const auto config = dir.write("agent.yaml",
                                  "services: []\n"
                                  "registry:\n"
                                  "  addresses: [http://10.1.2.3:30100]\n");
    const auto result = run_command_line(agent("dev --config " + config));
    EXPECT_EQ(result.exit_code, 78) << result.output;
    EXPECT_NE(result.output.find("loopback only"), std::string::npos) << result.output;
}

// A taken port is a start failure of the agent: `dev` must exit with it, not keep its embedded
// registry running without an agent (it did: the registry kept the io_context busy).
TEST(Cli, DevExitsWhenTheAgentCannotStartInsteadOfServingTheRegistryAlone) {
    // A listening socket on a port the kernel picks; closed by the caller.
    const auto listening = [](int& fd) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(fd, 1) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1:0");
        }
        return std::to_string(ntohs(address.sin_port));
    };
    int busy = -1;
    int registry = -1;
    int kie = -1;
    const auto busy_port = listening(busy);
    // The registry's and kie's ports: picked free, then released for `dev` to bind.
    const auto registry_port = listening(registry);
    const auto kie_port = listening(kie);
    ::close(registry);
    ::close(kie);

    test::TempDir dir;
    const auto config = dir.write("agent.yaml",
                                  "services: []\n"
                                  "registry: {addresses: [http://127.0.0.1:" +
                                      registry_port +
                                      "]}\n"
                                      "config_center: {addresses: [http://127.0.0.1:" +
                                      kie_port +
                                      "]}\n"
                                      "listen: {proxy: 127.0.0.1:" +
                                      busy_port +
                                      ", api: 127.0.0.1:0}\n"
                                      "cache: {snapshot_path: \"\"}\n");
    // `timeout` turns the old hang into exit 124 instead of the suite's 300 s limit.
    const auto result = run_command_line("timeout 60 " + agent("dev --config " + config));
    ::close(busy);
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("Address already in use"), std::string::npos) << result.output;
}

TEST(Cli, UsageErrorsExit64) {
    EXPECT_EQ(run_command_line(agent("")).exit_code, 64);
    EXPECT_EQ(run_command_line(agent("validate")).exit_code, 64);
    EXPECT_EQ(run_command_line(agent("frobnicate")).exit_code, 64);
}

TEST(Cli, HelpExitsZero) {
    const auto result = run_command_line(agent("--help"));
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.output.find("dev-registry"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace scagent
