// Process lifecycle: SIGTERM drain of the real binary, descriptor reloads (SIGHUP).
#include <gtest/gtest.h>

#include <future>
#include <regex>

#include "tests/integration/registration/child_process.hpp"
#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;

/// The real binary with one local service "cart", logging at info (the API port is read from
/// its log), with `drain` as its drain block.
std::unique_ptr<ChildProcess> start_binary(const TempDir& dir, const RegistryRunner& registry,
                                           const std::string& drain) {
    write_descriptor(dir, "cart");
    AgentYaml yaml;
    yaml.registry = registry.url();
    yaml.drain = drain;
    yaml.log_level = "info";
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{SC_AGENT_BINARY, "run", "--config", yaml.write(dir)},
        (dir.path() / "agent.log").string());
}

TEST(DrainTest, SigtermMarksDownFinishesInFlightDeregistersAndExitsZero) {
    RegistryRunner registry;
    registry.add_instance(registry.create_service("stock"), 19001);
    TempDir dir;
    auto agent = start_binary(dir, registry, "{delay: 1s, timeout: 10s}");
    std::uint16_t api_port = 0;
    ASSERT_TRUE(wait_until(
        [&] {
            std::smatch match;
            const auto log = agent->log();
            if (std::regex_search(log, match, std::regex("local API on port (\\d+)"))) {
                api_port = static_cast<std::uint16_t>(std::stoi(match[1]));
            }
            return api_port != 0;
        },
        "the agent's log line \"local API on port N\""))
        << agent->log();
    ASSERT_TRUE(wait_until([&] { return registry.status_of("cart") == "UP"; }, "cart UP"))
        << agent->log();

    // The in-flight request is a blocking discovery query on the current index of a provider
    // that does not change: only the drain (which answers blocking queries) can end it before
    // its 10 min wait. It is written on a connection the agent has already served, so it is in
    // the agent's socket before SIGTERM; nothing here depends on timing.
    HttpTestClient api("127.0.0.1", api_port, 60s);
    const auto first = api.get("/v1/services/stock/instances?app=itest");
    ASSERT_EQ(first.status, 200U) << first.body << agent->log();
    const auto index = first.header("x-sc-agent-index");
    ASSERT_FALSE(index.empty());
    std::promise<void> written;
    api.on_written([&] { written.set_value(); });
    auto blocked = std::async(std::launch::async, [&] {
        return api.get("/v1/services/stock/instances?app=itest&index=" + index + "&wait=10m");
    });
    ASSERT_EQ(written.get_future().wait_for(kEventDeadline), std::future_status::ready);
    agent->signal(SIGTERM);

    bool saw_down_while_present = false;
    ASSERT_TRUE(wait_until(
        [&] {
            const auto status = registry.status_of("cart");
            saw_down_while_present = saw_down_while_present || status == "DOWN";
            return registry.instances("cart").empty();
        },
        "cart deregistered"))
        << agent->log();
    EXPECT_TRUE(saw_down_while_present) << agent->log();
    const auto answer = blocked.get();
    EXPECT_EQ(answer.status, 200U) << answer.error << "\n" << agent->log();
    EXPECT_EQ(answer.header("x-sc-agent-index"), index) << "answered by the drain, not a change";
    EXPECT_EQ(agent->wait(kEventDeadline), 0) << agent->log();
}

TEST(DrainTest, SecondSigtermExitsAtOnceAfterDeregistering) {
    RegistryRunner registry;
    TempDir dir;
    auto agent = start_binary(dir, registry, "{delay: 1m, timeout: 10s}");
    ASSERT_TRUE(wait_until([&] { return registry.status_of("cart") == "UP"; }, "cart UP"))
        << agent->log();
    agent->signal(SIGTERM);
    ASSERT_TRUE(wait_until([&] { return registry.status_of("cart") == "DOWN"; }, "cart DOWN"));
    agent->signal(SIGTERM);
    // Well inside the 1 min drain.delay: the second signal skipped it.
    EXPECT_EQ(agent->wait(kEventDeadline), 0) << agent->log();
    EXPECT_TRUE(registry.instances("cart").empty());
}

TEST(ReloadTest, AddedRegistersRemovedDeregistersBrokenIsKept) {
    RegistryRunner registry;
    TempDir dir;
    for (const auto* name : {"keep", "gone", "broken"}) {
        write_descriptor(dir, name);
    }
    AgentYaml yaml;
    yaml.registry = registry.url();
    AgentRunner agent(yaml.write(dir));
    for (const auto* name : {"keep", "gone", "broken"}) {
        ASSERT_TRUE(eventually([&] { return registry.status_of(name) == "UP"; }, 10s)) << name;
    }
    const auto keep_id = (*registry.instance("keep"))["instanceId"];
    const auto broken_id = (*registry.instance("broken"))["instanceId"];

    write_descriptor(dir, "added");
    std::filesystem::remove(dir.path() / "services.d/gone.yaml");
    dir.write("services.d/broken.yaml", "servicecomb:\n  service:\n    version: not-a-version\n");
    agent.reload();

    ASSERT_TRUE(eventually([&] { return registry.status_of("added") == "UP"; }, 10s));
    ASSERT_TRUE(eventually([&] { return registry.instances("gone").empty(); }, 10s));
    EXPECT_EQ((*registry.instance("keep"))["instanceId"], keep_id);
    ASSERT_TRUE(registry.instance("broken").has_value()) << "the broken file's service is kept";
    EXPECT_EQ((*registry.instance("broken"))["instanceId"], broken_id);
    const auto services = agent.api().get("/v1/agent/services").json();
    EXPECT_EQ(services.size(), 3U) << services.dump();

    // A changed descriptor re-registers.
    dir.write("services.d/keep.yaml", descriptor_yaml("keep", "", "rest://127.0.0.1:19999"));
    agent.reload();
    ASSERT_TRUE(eventually(
        [&] {
            const auto instance = registry.instance("keep");
            return instance && (*instance)["endpoints"][0] == "rest://127.0.0.1:19999";
        },
        10s));
}

}  // namespace
}  // namespace scagent::test
