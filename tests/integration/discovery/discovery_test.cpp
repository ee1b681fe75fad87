// The provider cache and the discovery API against the embedded dev registry over real sockets:
// first answers, the watch, blocking queries, steady-state traffic, outages (cache, disk,
// corrupt snapshot), filters and error bodies.
#include <filesystem>
#include <fstream>
#include <future>
#include <set>

#include "agent/discovery/snapshot_file.hpp"
#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

/// A local service "cart" (app itest, env testing) that depends on `dependency` when given.
std::string consumer_descriptor(const std::string& dependency = "") {
    std::string extra;
    if (!dependency.empty()) {
        extra = "  dependencies:\n    - {name: " + dependency + "}\n";
    }
    return descriptor_yaml("cart", extra);
}

class DiscoveryTest : public ::testing::Test {
  protected:
    TempDir dir;
    std::unique_ptr<RegistryRunner> registry = std::make_unique<RegistryRunner>();
    const std::string registry_url = registry->url();  // still valid once the registry stops

    std::string snapshot_path() const { return (dir.path() / "cache.json").string(); }

    std::unique_ptr<AgentRunner> start_agent(const std::string& dependency = "",
                                             const std::string& refresh = "60s",
                                             bool with_snapshot = false) {
        dir.write("services.d/cart.yaml", consumer_descriptor(dependency));
        AgentYaml yaml;
        yaml.registry = registry_url;
        yaml.registry_extra = "  refresh_interval: " + refresh + "\n  watch: true\n";
        yaml.snapshot_path = with_snapshot ? snapshot_path() : "";
        yaml.log_level = "";
        return std::make_unique<AgentRunner>(yaml.write(dir));
    }
    HttpTestClient sc() const { return HttpTestClient("127.0.0.1", registry->port()); }

    /// A provider service registered straight in the dev registry (not through an agent).
    std::string create_provider(const std::string& name, const std::string& version = "1.0.0") {
        return registry->create_service(name, version);
    }
    std::string add_instance(const std::string& sid, int port, Json properties = Json::object()) {
        return registry->add_instance(sid, port, properties);
    }
    /// True once the registry recorded cart -> `provider` (finds carried X-ConsumerId), so the
    /// watch will push this provider's events.
    ::testing::AssertionResult dependency_recorded(const std::string& provider) {
        std::string id;
        auto found = wait_until(
            [&] {
                auto doc = registry->service("cart");
                id = doc ? (*doc)["serviceId"].get<std::string>() : "";
                return !id.empty();
            },
            "cart registered");
        if (!found) {
            return found;
        }
        return wait_until(
            [&] {
                auto r = sc().get("/v4/default/registry/microservices/" + id + "/providers");
                return r.body.find("\"" + provider + "\"") != std::string::npos;
            },
            "the registry recording cart -> " + provider);
    }
    static std::size_t count(const TestResponse& r) { return r.json()["instances"].size(); }
};

TEST_F(DiscoveryTest, ProviderRegisteredInTheRegistryAppearsInTheAnswer) {
    const auto sid = create_provider("stock", "1.2.0");
    const auto iid = add_instance(sid, 19001, {{"zone", "az1"}});
    auto agent = start_agent();
    auto api = agent->api();
    const auto r = api.get("/v1/services/stock/instances");
    ASSERT_EQ(r.status, 200U) << r.body;
    const auto answer = r.json();
    EXPECT_EQ(answer["app"], "itest");
    EXPECT_EQ(answer["service"], "stock");
    EXPECT_EQ(answer["source"], "live");
    EXPECT_EQ(answer["ageSeconds"], 0);
    EXPECT_FALSE(answer["revision"].get<std::string>().empty());
    ASSERT_EQ(answer["instances"].size(), 1U);
    const auto& instance = answer["instances"][0];
    EXPECT_EQ(instance["instanceId"], iid);
    EXPECT_EQ(instance["serviceId"], sid);
    EXPECT_EQ(instance["version"], "1.2.0");
    EXPECT_EQ(instance["endpoints"], Json::array({"rest://127.0.0.1:19001"}));
    EXPECT_EQ(instance["host"], "127.0.0.1");
    EXPECT_EQ(instance["port"], 19001);
    EXPECT_EQ(instance["status"], "UP");
    EXPECT_EQ(instance["properties"]["zone"], "az1");
    EXPECT_EQ(r.header("x-sc-agent-index"), std::to_string(answer["index"].get<std::uint64_t>()));

    const auto metrics = api.get("/metrics").body;
    EXPECT_NE(metrics.find("sc_agent_cached_instances{app=\"itest\",env=\"testing\",service="
                           "\"stock\"} 1"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("sc_agent_cache_refreshes_total{result=\"changed\"}"),
              std::string::npos);
    EXPECT_NE(metrics.find("sc_agent_cache_age_seconds"), std::string::npos);
}

TEST_F(DiscoveryTest, PastMaxWatchedServicesANewNameIsRefusedWhileCachedOnesStillAnswer) {
    add_instance(create_provider("stock"), 19001);
    dir.write("services.d/cart.yaml", consumer_descriptor(""));
    AgentYaml yaml;
    yaml.registry = registry_url;
    yaml.registry_extra = "  refresh_interval: 60s\n  watch: true\n";
    yaml.extra = "limits:\n  max_watched_services: 2\n";
    auto agent = std::make_unique<AgentRunner>(yaml.write(dir));
    auto api = agent->api();
    EXPECT_EQ(api.get("/v1/services/stock/instances").status, 200U);
    EXPECT_EQ(api.get("/v1/services/made-up-1/instances").status, 404U);  // the second entry

    const auto refused = api.get("/v1/services/made-up-2/instances");
    EXPECT_EQ(refused.status, 503U) << refused.body;
    EXPECT_EQ(refused.json()["error"]["code"], "TOO_MANY_SERVICES");
    auto proxied = agent->proxy().get("/made-up-3/x");
    EXPECT_EQ(proxied.status, 503U) << proxied.body;
    EXPECT_EQ(proxied.header("x-sc-agent-error"), "TOO_MANY_SERVICES");

    // What is cached keeps answering.
    EXPECT_EQ(count(api.get("/v1/services/stock/instances")), 1U);
}

TEST_F(DiscoveryTest, NewInstanceArrivesThroughTheWatchAndWakesABlockingQuery) {
    const auto sid = create_provider("stock");
    add_instance(sid, 19001);
    auto agent = start_agent("stock", "60s");  // the refresh period cannot be what brings it
    ASSERT_TRUE(dependency_recorded("stock"));
    ASSERT_TRUE(eventually([&] { return registry->registry().watcher_count() == 1; }));
    auto api = agent->api();
    const auto first = api.get("/v1/services/stock/instances");
    ASSERT_EQ(first.status, 200U) << first.body;
    ASSERT_EQ(count(first), 1U);
    const auto index = first.header("x-sc-agent-index");

    // A blocking query on the current index, in flight (written) before the change. Its 30 s
    // wait ends well before the 60 s refresh: an answer with the new instance and a new index
    // was brought by the watch and woke the query (an answer at once would hold one instance,
    // a timed-out one the old index).
    auto client = agent->api();
    std::promise<void> written;
    client.on_written([&] { written.set_value(); });
    auto blocked = std::async(std::launch::async, [&] {
        return client.get("/v1/services/stock/instances?index=" + index + "&wait=30s");
    });
    ASSERT_EQ(written.get_future().wait_for(kEventDeadline), std::future_status::ready);

    add_instance(sid, 19002);
    const auto answer = blocked.get();
    ASSERT_EQ(answer.status, 200U) << answer.body;
    EXPECT_EQ(count(answer), 2U) << "no watch-driven refresh";
    EXPECT_NE(answer.header("x-sc-agent-index"), index);
}

TEST_F(DiscoveryTest, TheWatchReconnectsAfterTheRegistryRestarts) {
    add_instance(create_provider("stock"), 19001);
    auto agent = start_agent("stock", "60s");
    ASSERT_TRUE(dependency_recorded("stock"));
    ASSERT_TRUE(eventually([&] { return registry->registry().watcher_count() == 1; }));
    registry->restart();  // same port, empty state: the agent re-registers, the watch reconnects
    const auto sid = create_provider("stock");
    add_instance(sid, 19001);
    ASSERT_TRUE(dependency_recorded("stock"));
    ASSERT_TRUE(eventually([&] { return registry->registry().watcher_count() == 1; }, 40s));
    auto api = agent->api();
    ASSERT_TRUE(eventually([&] {
        auto r = api.get("/v1/services/stock/instances");
        return r.status == 200 && count(r) == 1;
    }));
    const auto index = api.get("/v1/services/stock/instances").header("x-sc-agent-index");
    add_instance(sid, 19002);
    // Within the query's 30 s wait, far from the 60 s refresh: pushed by the new watch.
    const auto answer = api.get("/v1/services/stock/instances?index=" + index + "&wait=30s");
    EXPECT_EQ(count(answer), 2U) << "pushed by the new watch";
    EXPECT_NE(answer.header("x-sc-agent-index"), index);
}

TEST_F(DiscoveryTest, BlockingQueryWithoutChangeAnswersTheSameIndexWhenTheWaitEnds) {
    add_instance(create_provider("stock"), 19001);
    auto agent = start_agent("stock");
    auto api = agent->api();
    const auto first = api.get("/v1/services/stock/instances");
    ASSERT_EQ(first.status, 200U);
    const auto index = first.header("x-sc-agent-index");
    const auto started = std::chrono::steady_clock::now();
    const auto again = api.get("/v1/services/stock/instances?index=" + index + "&wait=500ms");
    EXPECT_GE(std::chrono::steady_clock::now() - started, 450ms);
    EXPECT_EQ(again.status, 200U);
    EXPECT_EQ(again.header("x-sc-agent-index"), index);
    // A stale index answers at once.
    const auto stale = api.get("/v1/services/stock/instances?index=0&wait=30s");
    EXPECT_EQ(stale.header("x-sc-agent-index"), index);
}

TEST_F(DiscoveryTest, SteadyStateOnlyHeartbeatsAndNotModifiedReachTheRegistry) {
    add_instance(create_provider("stock"), 19001);
    add_instance(create_provider("billing"), 19002);
    auto agent = start_agent("stock", "1s");
    auto api = agent->api();
    ASSERT_EQ(api.get("/v1/services/billing/instances").status, 200U);
    ASSERT_TRUE(dependency_recorded("stock"));
    ASSERT_TRUE(eventually([&] { return registry->registry().watcher_count() == 1; }));
    const std::string batch = "POST /v4/{project}/registry/instances/action";
    auto batches = [&] {
        auto counts = registry->registry().sc_route_counts();
        return counts.contains(batch) ? counts[batch].requests : 0;
    };
    // Let the start-up settle: one periodic refresh after the dependency exists.
    const auto settled = batches() + 1;
    ASSERT_TRUE(wait_until([&] { return batches() > settled; }, "one periodic refresh"));
    const auto before = registry->registry().sc_route_counts();
    const auto metrics_before = api.get("/metrics").body;
    ASSERT_TRUE(wait_until([&] { return batches() >= settled + 4; }, "four more refreshes"));
    const auto after = registry->registry().sc_route_counts();

    for (const auto& [route, counts] : after) {
        const auto old = before.contains(route) ? before.at(route).requests : 0;
        if (counts.requests == old) {
            continue;
        }
        EXPECT_TRUE(route.find("heartbeat") != std::string::npos || route == batch)
            << "unexpected registry traffic: " << route;
    }
    // Every batch answer in the window listed both providers as notModified: nothing changed.
    // The registry counts a batch when it arrives, the agent once it has applied the answer:
    // wait for the agent's count rather than assume it keeps up on a loaded machine.
    auto value = [](const std::string& text, const std::string& series) {
        auto at = text.find(series + " ");
        return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size() + 1));
    };
    const std::string changed = "sc_agent_cache_refreshes_total{result=\"changed\"}";
    const std::string unchanged = "sc_agent_cache_refreshes_total{result=\"unchanged\"}";
    const std::string not_modified = "sc_agent_cache_refreshes_total{result=\"not_modified\"}";
    std::string metrics;
    EXPECT_TRUE(wait_until(
        [&] {
            metrics = api.get("/metrics").body;
            return value(metrics, not_modified) >= value(metrics_before, not_modified) + 6;
        },
        "the agent to apply the not-modified answers"));
    EXPECT_EQ(value(metrics, changed), value(metrics_before, changed));
    EXPECT_EQ(value(metrics, unchanged), value(metrics_before, unchanged));
}

TEST_F(DiscoveryTest, RegistryStoppedAnswersFromCacheWithGrowingAge) {
    add_instance(create_provider("stock"), 19001);
    auto agent = start_agent("stock", "1s");
    auto api = agent->api();
    ASSERT_EQ(api.get("/v1/services/stock/instances").json()["source"], "live");
    registry->stop();
    Json answer;
    ASSERT_TRUE(eventually([&] {
        answer = api.get("/v1/services/stock/instances").json();
        return answer["source"] == "cache";
    }));
    EXPECT_EQ(answer["instances"].size(), 1U) << "a failed refresh never empties an entry";
    const auto age = answer["ageSeconds"].get<int>();
    ASSERT_TRUE(wait_until(
        [&] {
            answer = api.get("/v1/services/stock/instances").json();
            return answer["ageSeconds"].get<int>() >= age + 2;
        },
        "the cache age to grow by 2 s"));
    EXPECT_EQ(answer["source"], "cache");
    EXPECT_EQ(answer["instances"].size(), 1U);
}

TEST_F(DiscoveryTest, AgentRestartedWhileTheRegistryIsDownAnswersFromDiskAtOnce) {
    const auto sid = create_provider("stock");
    const auto iid = add_instance(sid, 19001);
    {
        auto agent = start_agent("stock", "60s", /*with_snapshot=*/true);
        ASSERT_EQ(agent->api().get("/v1/services/stock/instances").status, 200U);
        agent->stop();  // flushes the snapshot
    }
    ASSERT_TRUE(std::filesystem::exists(snapshot_path()));
    registry->stop();
    auto agent = start_agent("stock", "60s", /*with_snapshot=*/true);
    // The first answer, with the registry down: only the disk snapshot can have filled it.
    const auto r = agent->api().get("/v1/services/stock/instances");
    ASSERT_EQ(r.status, 200U) << r.body;
    const auto answer = r.json();
    EXPECT_EQ(answer["source"], "disk");
    ASSERT_EQ(answer["instances"].size(), 1U);
    EXPECT_EQ(answer["instances"][0]["instanceId"], iid);
}

TEST_F(DiscoveryTest, CorruptOrTruncatedSnapshotIsIgnoredWithAWarning) {
    add_instance(create_provider("stock"), 19001);
    {
        auto agent = start_agent("stock", "60s", /*with_snapshot=*/true);
        ASSERT_EQ(agent->api().get("/v1/services/stock/instances").status, 200U);
    }
    std::string good;
    {
        std::ifstream in(snapshot_path());
        good.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_FALSE(good.empty());
    registry->stop();
    const std::string flipped = [&] {
        std::string text = good;
        text[text.find("19001")] = '7';  // content changed, checksum not
        return text;
    }();
    for (const auto& broken : {good.substr(0, good.size() / 2), flipped}) {
        {
            std::ofstream out(snapshot_path(), std::ios::trunc);
            out << broken;
        }
        LogCapture log;
        auto agent = start_agent("stock", "60s", /*with_snapshot=*/true);
        const auto r = agent->api().get("/v1/services/stock/instances");
        EXPECT_EQ(r.status, 503U) << r.body;
        EXPECT_EQ(r.json()["error"]["code"], "REGISTRY_UNAVAILABLE");
        EXPECT_TRUE(log.contains("ignoring the provider cache snapshot"));
    }
    // Too big to be read at all (sparse, so cheap to make): ignored with a warning too.
    std::filesystem::resize_file(snapshot_path(), discovery::kMaxSnapshotBytes + 1);
    LogCapture log;
    auto agent = start_agent("stock", "60s", /*with_snapshot=*/true);
    EXPECT_EQ(agent->api().get("/v1/services/stock/instances").status, 503U);
    EXPECT_TRUE(log.contains("larger than 64 MiB"));
}

TEST_F(DiscoveryTest, VersionRulesAndTagFiltersThroughTheRoute) {
    const std::map<std::string, std::string> versions = {
        {"1.0.0", "az1"}, {"1.2.0", "az2"}, {"1.5.0", "az1"}, {"2.0.0", "az2"}};
    int port = 19100;
    for (const auto& [version, zone] : versions) {
        add_instance(create_provider("stock", version), port++, {{"zone", zone}});
    }
    auto agent = start_agent("stock");
    auto api = agent->api();
    auto versions_of = [&](const std::string& query) {
        const auto r = api.get("/v1/services/stock/instances?" + query);
        EXPECT_EQ(r.status, 200U) << query << ": " << r.body;
        std::set<std::string> out;
        const auto answer = r.json();
        for (const auto& instance : answer["instances"]) {
            out.insert(instance["version"].get<std::string>());
        }
        return out;
    };
    using Set = std::set<std::string>;
    EXPECT_EQ(versions_of(""), (Set{"1.0.0", "1.2.0", "1.5.0", "2.0.0"}));
    EXPECT_EQ(versions_of("version=latest"), (Set{"2.0.0"}));
    EXPECT_EQ(versions_of("version=1.2.0"), (Set{"1.2.0"}));
    EXPECT_EQ(versions_of("version=1.2.0%2B"), (Set{"1.2.0", "1.5.0", "2.0.0"}));
    EXPECT_EQ(versions_of("version=1.0.0-2.0.0"), (Set{"1.0.0", "1.2.0", "1.5.0"}));
    EXPECT_EQ(versions_of("tags=zone:az1"), (Set{"1.0.0", "1.5.0"}));
    EXPECT_EQ(versions_of("tags=zone:az2&version=latest"), (Set{"2.0.0"}));
    EXPECT_EQ(versions_of("tags=zone:az3"), Set{});
}

TEST_F(DiscoveryTest, ErrorBodies) {
    add_instance(create_provider("stock"), 19001);
    auto agent = start_agent();
    auto api = agent->api();
    auto missing = api.get("/v1/services/nosuch/instances");
    EXPECT_EQ(missing.status, 404U) << missing.body;
    EXPECT_EQ(missing.json()["error"]["code"], "SERVICE_NOT_FOUND");
    EXPECT_NE(missing.json()["error"]["message"].get<std::string>().find("nosuch"),
              std::string::npos);

    auto bad_version = api.get("/v1/services/stock/instances?version=1.x");
    EXPECT_EQ(bad_version.status, 400U);
    EXPECT_EQ(bad_version.json()["error"]["code"], "BAD_REQUEST");
    EXPECT_TRUE(bad_version.json()["error"]["message"].get<std::string>().starts_with("version:"));
    auto typo = api.get("/v1/services/stock/instances?verison=1.0.0");
    EXPECT_EQ(typo.status, 400U);
    EXPECT_TRUE(typo.json()["error"]["message"].get<std::string>().starts_with("verison:"));
    auto bad_wait = api.get("/v1/services/stock/instances?index=1&wait=11m");
    EXPECT_EQ(bad_wait.status, 400U);
    EXPECT_TRUE(bad_wait.json()["error"]["message"].get<std::string>().starts_with("wait:"));

    registry->stop();
    auto down = api.get("/v1/services/other/instances");
    EXPECT_EQ(down.status, 503U) << down.body;
    EXPECT_EQ(down.json()["error"]["code"], "REGISTRY_UNAVAILABLE");
}

TEST_F(DiscoveryTest, SelectRoundRobinsAndSkipsInstancesReportedBad) {
    const auto sid = create_provider("stock");
    const auto a = add_instance(sid, 19001);
    const auto b = add_instance(sid, 19002);
    auto agent = start_agent("stock");
    auto api = agent->api();
    std::set<std::string> picked;
    for (int i = 0; i < 4; ++i) {
        const auto r = api.get("/v1/services/stock/select");
        ASSERT_EQ(r.status, 200U) << r.body;
        picked.insert(r.json()["instance"]["instanceId"].get<std::string>());
    }
    EXPECT_EQ(picked, (std::set<std::string>{a, b}));

    for (int i = 0; i < 3; ++i) {
        const auto r =
            api.post("/v1/services/stock/outcome",
                     Json{{"instanceId", a}, {"success", false}, {"latencyMs", 12}}.dump());
        ASSERT_EQ(r.status, 204U) << r.body;
    }
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(api.get("/v1/services/stock/select").json()["instance"]["instanceId"], b);
    }
    // Outcomes count only for cached instances: a made-up id creates no state.
    const auto unknown = api.post("/v1/services/stock/outcome",
                                  Json{{"instanceId", "made-up"}, {"success", false}}.dump());
    EXPECT_EQ(unknown.status, 404U) << unknown.body;
    EXPECT_EQ(unknown.json()["error"]["code"], "INSTANCE_NOT_FOUND");
    const auto elsewhere =
        api.post("/v1/services/other/outcome", Json{{"instanceId", a}, {"success", false}}.dump());
    EXPECT_EQ(elsewhere.status, 404U) << elsewhere.body;
    const auto bad = api.post("/v1/services/stock/outcome", R"({"instanceId":"x"})");
    EXPECT_EQ(bad.status, 400U);
    EXPECT_TRUE(bad.json()["error"]["message"].get<std::string>().starts_with("success:"));
    const auto none = api.get("/v1/services/stock/select?version=9.0.0");
    EXPECT_EQ(none.status, 503U);
    EXPECT_EQ(none.json()["error"]["code"], "NO_INSTANCE");
}

}  // namespace
}  // namespace scagent::test
