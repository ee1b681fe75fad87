#include <gtest/gtest.h>

#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent {
namespace {

using test::run_command_line;

std::string agent(const std::string& args) {
    return std::string(SC_AGENT_BINARY) + " " + args;
}

TEST(Cli, VersionPrintsTheVersion) {
    const auto result = run_command_line(agent("--version"));
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.output.rfind("sc-agent 0.1.0 (", 0), 0u) << result.output;
}

TEST(Cli, ValidateAcceptsTheAnnotatedExample) {
    const auto result = run_command_line(
        agent("validate --config " SC_AGENT_SOURCE_DIR "/config/examples/agent.yaml"));
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
