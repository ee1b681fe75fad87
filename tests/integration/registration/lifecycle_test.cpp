// Process lifecycle: SIGTERM drain of the real binary, descriptor reloads (SIGHUP).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <iostream>
#include <regex>

#include "agent/dev_registry/kie_store.hpp"
#include "tests/integration/registration/child_process.hpp"
#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/fault_proxy.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_paths.hpp"
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
        std::vector<std::string>{scagent::test::agent_binary(), "run", "--config", yaml.write(dir)},
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

/// The port in the agent's "local API on port N" log line (0 until it is written).
std::uint16_t logged_api_port(const ChildProcess& agent) {
    std::smatch match;
    const auto log = agent.log();
    if (std::regex_search(log, match, std::regex("local API on port (\\d+)"))) {
        return static_cast<std::uint16_t>(std::stoi(match[1]));
    }
    return 0;
}

// Issue 11's must-show: SIGTERM while 100 blocking queries, a kie long poll and a registry call
// are open. Every component stops through its task group: the blocking queries are answered,
// the long poll and the held registry call are cancelled (not waited for), the instance is
// deregistered, and nothing is logged as an error.
TEST(DrainTest, SigtermWithOpenQueriesALongPollAndAHeldRegistryCallExitsCleanly) {
    RegistryRunner registry(Kie::on);
    registry.add_instance(registry.create_service("stock"), 19002);
    FaultProxy proxy(registry.port());  // the agent reaches service-center only through it
    TempDir dir;
    write_descriptor(dir, "cart");
    AgentYaml yaml;
    yaml.registry = "http://127.0.0.1:" + std::to_string(proxy.port());
    yaml.config_center = registry.kie_url();
    yaml.drain = "{delay: 1s, timeout: 10s}";
    yaml.log_level = "info";
    ChildProcess agent({scagent::test::agent_binary(), "run", "--config", yaml.write(dir)},
                       (dir.path() / "agent.log").string());
    std::uint16_t api_port = 0;
    ASSERT_TRUE(wait_until([&] { return (api_port = logged_api_port(agent)) != 0; },
                           "the agent's log line \"local API on port N\""))
        << agent.log();
    ASSERT_TRUE(wait_until([&] { return registry.status_of("cart") == "UP"; }, "cart UP"))
        << agent.log();
    // kie holds a poll only once its first answer is known: one held poll per dimension.
    ASSERT_TRUE(wait_until([&] { return registry.kie().observer_count() >= 1; },
                           "a kie long poll held open"))
        << agent.log();

    HttpTestClient first("127.0.0.1", api_port, 60s);
    const auto initial = first.get("/v1/services/stock/instances?app=itest");
    ASSERT_EQ(initial.status, 200U) << initial.body << agent.log();
    const auto index = initial.header("x-sc-agent-index");
    constexpr int kQueries = 100;
    std::vector<std::unique_ptr<HttpTestClient>> clients;
    std::vector<std::future<TestResponse>> blocked;
    std::vector<std::promise<void>> written(kQueries);
    for (int i = 0; i < kQueries; ++i) {
        clients.push_back(std::make_unique<HttpTestClient>("127.0.0.1", api_port, 60s));
        clients.back()->on_written([&written, i] { written[i].set_value(); });
        blocked.push_back(std::async(std::launch::async, [client = clients.back().get(), index] {
            return client->get("/v1/services/stock/instances?app=itest&index=" + index +
                               "&wait=10m");
        }));
    }
    for (auto& promise : written) {
        ASSERT_EQ(promise.get_future().wait_for(kEventDeadline), std::future_status::ready);
    }
    proxy.hold_next_request();  // the next heartbeat (or refresh) hangs in the "registry"
    ASSERT_TRUE(proxy.wait_until_held(kEventDeadline)) << agent.log();

    const auto signalled = std::chrono::steady_clock::now();
    agent.signal(SIGTERM);
    EXPECT_EQ(agent.wait(kEventDeadline), 0) << agent.log();
    const auto took = std::chrono::steady_clock::now() - signalled;
    std::cout << "[ measured ] SIGTERM to exit: "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms (drain.delay 1000 ms)" << std::endl;
    // The held call's own deadline is 10 s: an exit before it means the agent cancelled the
    // call instead of waiting for it (the proxy never answers it).
    EXPECT_LT(took, 10s) << agent.log();
    EXPECT_TRUE(registry.instances("cart").empty()) << agent.log();
    for (auto& answer : blocked) {
        const auto response = answer.get();
        EXPECT_EQ(response.status, 200U) << response.error;
    }
    const auto log = agent.log();
    EXPECT_EQ(log.find(" error "), std::string::npos) << log;
    EXPECT_EQ(log.find("Operation canceled"), std::string::npos) << log;
    EXPECT_EQ(log.find("operation aborted"), std::string::npos) << log;
}

// Issue 11's must-show: a loop that throws is restarted with backoff, counted, and named by
// /readyz (503) until it runs again.
TEST(SupervisionTest, AFaultedLoopRestartsAndReadyzNamesItMeanwhile) {
    RegistryRunner registry;
    TempDir dir;
    write_descriptor(dir, "cart");
    AgentYaml yaml;
    yaml.registry = registry.url();
    std::atomic<bool> faulty{false};
    app::DaemonOptions options;
    options.supervisor.backoff_min = 20ms;
    options.supervisor.backoff_max = 20ms;
    options.supervisor.fault_hook = [&faulty](std::string_view loop) {
        if (loop == "discovery.refresher" && faulty) {
            throw std::runtime_error("injected fault");
        }
    };
    AgentRunner agent(yaml.write(dir), options);
    ASSERT_TRUE(wait_until([&] { return agent.api().get("/readyz").status == 200; }, "ready"));

    faulty = true;
    TestResponse readyz;
    ASSERT_TRUE(wait_until(
        [&] {
            readyz = agent.api().get("/readyz");
            return readyz.status == 503;
        },
        "/readyz 503 while the refresher fails"));
    EXPECT_EQ(readyz.json()["reason"], "discovery.refresher failed: injected fault") << readyz.body;
    const auto metrics = agent.api().get("/metrics").body;
    EXPECT_NE(metrics.find("sc_agent_loop_restarts_total{loop=\"discovery.refresher\"}"),
              std::string::npos)
        << metrics;

    faulty = false;
    EXPECT_TRUE(wait_until([&] { return agent.api().get("/readyz").status == 200; },
                           "/readyz 200 once the refresher runs again"));
    EXPECT_EQ(agent.stop(), 0);
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
