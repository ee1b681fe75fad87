// Process lifecycle: SIGTERM drain of the real binary, descriptor reloads (SIGHUP).
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/registration/child_process.hpp"
#include "tests/integration/registration/registration_fixture.hpp"

namespace scagent::test {
namespace {

TEST(DrainTest, SigtermMarksDownFinishesInFlightDeregistersAndExitsZero) {
    RegistryRunner registry;
    TempDir dir;
    dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
    const auto config =
        dir.write("agent.yaml", "registry:\n  addresses: [" + registry.url() +
                                    "]\nconfig_center:\n  addresses: []\nservices: [services.d]\n"
                                    "listen:\n  api: 127.0.0.1:0\n  proxy: 127.0.0.1:0\n"
                                    "cache:\n  snapshot_path: \"\"\n"
                                    "drain: {delay: 1s, timeout: 10s}\nlog: {level: info}\n");
    ChildProcess agent({SC_AGENT_BINARY, "run", "--config", config},
                       (dir.path() / "agent.log").string(), {"SC_AGENT_TEST_HOOKS=1"});
    std::uint16_t api_port = 0;
    ASSERT_TRUE(eventually(
        [&] {
            std::smatch match;
            const auto log = agent.log();
            if (std::regex_search(log, match, std::regex("local API on port (\\d+)"))) {
                api_port = static_cast<std::uint16_t>(std::stoi(match[1]));
            }
            return api_port != 0;
        },
        20s))
        << agent.log();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 20s)) << agent.log();

    TestResponse slow;
    std::thread client([&] {
        HttpTestClient api("127.0.0.1", api_port, 30s);
        slow = api.get("/v1/agent/test/sleep?ms=2500");
    });
    // The request only has to arrive before the listener closes (after drain.delay); wait for
    // the connection rather than a fixed time.
    HttpTestClient probe("127.0.0.1", api_port);
    ASSERT_EQ(probe.get("/healthz").status, 200U);
    probe.close();
    std::this_thread::sleep_for(200ms);  // ordering aid only; correctness does not depend on it
    agent.signal(SIGTERM);

    bool saw_down_while_present = false;
    ASSERT_TRUE(eventually(
        [&] {
            const auto status = registry.status_of("cart");
            saw_down_while_present = saw_down_while_present || status == "DOWN";
            return registry.instances("cart").empty();
        },
        30s))
        << agent.log();
    EXPECT_TRUE(saw_down_while_present) << agent.log();
    client.join();
    EXPECT_EQ(slow.status, 200U) << slow.error << "\n" << agent.log();
    EXPECT_EQ(agent.wait(20s), 0) << agent.log();
}

TEST(DrainTest, SecondSigtermExitsAtOnceAfterDeregistering) {
    RegistryRunner registry;
    TempDir dir;
    dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
    const auto config =
        dir.write("agent.yaml", "registry:\n  addresses: [" + registry.url() +
                                    "]\nconfig_center:\n  addresses: []\nservices: [services.d]\n"
                                    "listen:\n  api: 127.0.0.1:0\n  proxy: 127.0.0.1:0\n"
                                    "cache:\n  snapshot_path: \"\"\n"
                                    "drain: {delay: 1m, timeout: 10s}\nlog: {level: info}\n");
    ChildProcess agent({SC_AGENT_BINARY, "run", "--config", config},
                       (dir.path() / "agent.log").string());
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 20s)) << agent.log();
    agent.signal(SIGTERM);
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "DOWN"; }, 10s));
    agent.signal(SIGTERM);
    EXPECT_EQ(agent.wait(10s), 0) << agent.log();
    EXPECT_TRUE(registry.instances("cart").empty());
}

TEST(ReloadTest, AddedRegistersRemovedDeregistersBrokenIsKept) {
    RegistryRunner registry;
    TempDir dir;
    dir.write("services.d/keep.yaml", descriptor_yaml("keep"));
    dir.write("services.d/gone.yaml", descriptor_yaml("gone"));
    dir.write("services.d/broken.yaml", descriptor_yaml("broken"));
    AgentRunner agent(dir, registry.url());
    for (const auto* name : {"keep", "gone", "broken"}) {
        ASSERT_TRUE(eventually([&] { return registry.status_of(name) == "UP"; }, 10s)) << name;
    }
    const auto keep_id = (*registry.instance("keep"))["instanceId"];
    const auto broken_id = (*registry.instance("broken"))["instanceId"];

    dir.write("services.d/added.yaml", descriptor_yaml("added"));
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
