// Chaos: a TCP fault proxy between the agent and the config center, the registry or a provider
// resets, blackholes, delays or truncates, and the agent keeps its last good state, retries
// only what is safe to send twice, and answers with its own errors instead of hanging.
#include <string>
#include <utility>
#include <variant>

#include "agent/dev_registry/kie_store.hpp"
#include "tests/integration/proxy/proxy_fixture.hpp"
#include "tests/support/fault_proxy.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/wait.hpp"

namespace scagent::test {
namespace {

using Fault = FaultProxy::Fault;
using Kind = FaultProxy::Kind;

class ChaosTest : public ProxyTest {
  protected:
    /// The agent (local service "cart"), with `config_center` and `registry_url` as given.
    std::unique_ptr<AgentRunner> start(const std::string& registry_url,
                                       const std::string& config_center,
                                       const std::string& governance = "") {
        dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
        AgentYaml yaml;
        yaml.registry = registry_url;
        yaml.config_center = config_center;
        if (!governance.empty()) {
            dir.write("governance.yaml", governance);
            yaml.governance_file = "governance.yaml";
        }
        return std::make_unique<AgentRunner>(yaml.write(dir));
    }
    std::string kie_state(AgentRunner& agent) {
        const auto body = agent.api().get("/v1/agent/governance").json();
        std::string states;
        for (const auto& source : body["sources"]) {
            if (source["type"] == "kie") {
                states += source["state"].get<std::string>() + ";";
            }
        }
        return states;
    }
};

// Stopped while its registration is in flight (the registry has created the instance, the answer
// is on its way through a slow link): the agent waits for that answer and deregisters what it
// created, so no instance is left UP for consumers until its lease runs out. Before, the call was
// abandoned and the instance stayed behind.
TEST_F(ChaosTest, StoppedWhileItsRegistrationIsInFlightTheAgentLeavesNoInstanceBehind) {
    FaultProxy slow_registry(registry.port());
    slow_registry.set_fault(Fault{Kind::kDelay, std::chrono::milliseconds(1000)});
    LogCapture log;
    auto agent = start("http://127.0.0.1:" + std::to_string(slow_registry.port()), "");
    ASSERT_TRUE(wait_until([&] { return !registry.instances("cart").empty(); },
                           "the registry created the instance"));
    // The answer is still a second away: the stop lands while the call is in flight.
    EXPECT_EQ(agent->stop(), 0);
    EXPECT_TRUE(log.contains("cart: waiting for the registration in flight"))
        << "the stop did not land during the registration: the test proved nothing";
    EXPECT_TRUE(registry.instances("cart").empty())
        << "left behind: " << registry.instances("cart").dump();
}

TEST_F(ChaosTest, AConfigCenterThatResetsKeepsTheLastRulesInForce) {
    auto provider = Upstream::named("orders-a");
    registry.add_instance(registry.create_service("orders"), provider->port());
    const nlohmann::json labels{{"app", "itest"}, {"service", "cart"}, {"environment", "testing"}};
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"servicecomb.matchGroup.all",
                                              "matches:\n  - apiPath: {prefix: /}\n"},
          {"servicecomb.rateLimiting.all", "rate: 3\nlimitRefreshPeriod: 3600000\n"}}) {
        registry.put_kie(key, value, labels);
    }
    FaultProxy kie(registry.kie_port());
    auto agent = start(registry.url(), "http://127.0.0.1:" + std::to_string(kie.port()));
    ASSERT_TRUE(wait_until(
        [&] {
            return agent->api()
                       .get("/v1/agent/governance")
                       .body.find("servicecomb.rateLimiting.all") != std::string::npos;
        },
        "the rate limit arrived from kie"));

    // The config center crashes: connections reset, the long polls with them.
    kie.set_fault(Fault{Kind::kReset});
    kie.cut_all();
    ASSERT_TRUE(wait_until([&] { return kie_state(*agent).find("error") != std::string::npos; },
                           "the kie sources report the error"));
    auto proxy = agent->proxy();
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(proxy.get("/orders/x").status, 200) << "call " << i;
    }
    EXPECT_EQ(proxy.get("/orders/x").status, 429) << "the last good rule is still in force";

    // Back: the sources recover, the rule stays.
    kie.set_fault(Fault{});
    ASSERT_TRUE(wait_until([&] { return kie_state(*agent).find("error") == std::string::npos; },
                           "the kie sources recover"));
    EXPECT_EQ(proxy.get("/orders/x").status, 429);
}

TEST_F(ChaosTest, AProviderThatDiesMidCallIsRetriedAroundForGetButAPostIsNeverSentTwice) {
    auto healthy = Upstream::named("healthy");
    auto dying_app = Upstream::named("dying");
    // The request reaches the app; its answer never comes back (the connection is cut first).
    FaultProxy dying(dying_app->port());
    dying.set_fault(Fault{Kind::kTruncate, {}, 0});
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, healthy->port());
    registry.add_instance(sid, dying.port());
    auto agent = start(registry.url(), "",
                       "servicecomb.matchGroup.all: \"matches:\\n  - apiPath: {prefix: /}\\n\"\n"
                       "servicecomb.retry.all: \"maxAttempts: 2\\n\"\n");
    auto proxy = agent->proxy();

    // POST is not safe to send twice: once it reached the app, the cut is its answer.
    int post_failures = 0;
    for (int i = 0; i < 2; ++i) {
        const auto response = proxy.post("/orders/buy", "{}");
        if (response.status == 502) {
            ++post_failures;
            EXPECT_EQ(response.header("X-Sc-Agent-Error"), "UPSTREAM_UNREACHABLE");
        } else {
            EXPECT_EQ(response.body, "healthy");
        }
    }
    EXPECT_EQ(post_failures, 1) << "round robin sends one of two POSTs to the dying instance";
    EXPECT_EQ(dying_app->requests(), 1) << "the POST that reached it was not sent again";
    // GET is retried on the other instance (and the dying one is soon isolated).
    for (int i = 0; i < 10; ++i) {
        const auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200) << "call " << i << ": " << response.body;
        EXPECT_EQ(response.body, "healthy");
    }
}

TEST_F(ChaosTest, ALateProviderGets504AndACutAnswerEndsTheClientsConnection) {
    auto app = std::make_unique<Upstream>([](const FakeRequest&) {
        FakeReply reply;
        reply.body = std::string(10 * 1024, 'x');
        return reply;
    });
    FaultProxy faulty(app->port());
    registry.add_instance(registry.create_service("orders"), faulty.port());
    auto agent = start(registry.url(), "",
                       "servicecomb.matchGroup.all: \"matches:\\n  - apiPath: {prefix: /}\\n\"\n"
                       "servicecomb.timeLimiter.all: \"timeoutDuration: 200\\n\"\n");
    auto proxy = agent->proxy();
    ASSERT_EQ(proxy.get("/orders/x").body.size(), 10U * 1024);

    faulty.set_fault(Fault{Kind::kDelay, std::chrono::milliseconds(500)});
    faulty.cut_all();
    const auto late = proxy.get("/orders/x");
    EXPECT_EQ(late.status, 504) << late.body;
    EXPECT_EQ(late.header("X-Sc-Agent-Error"), "UPSTREAM_TIMEOUT");

    faulty.set_fault(Fault{Kind::kBlackhole});
    faulty.cut_all();
    const auto silent = agent->proxy().get("/orders/x");
    EXPECT_EQ(silent.status, 504) << silent.body;

    // The answer is cut after its head: the client cannot get a whole answer, and nothing else
    // is affected.
    faulty.set_fault(Fault{Kind::kTruncate, {}, 200});
    faulty.cut_all();
    const auto cut = agent->proxy().get("/orders/x");
    EXPECT_FALSE(cut.status == 200 && cut.body.size() == 10U * 1024) << "a cut answer passed whole";
    faulty.set_fault(Fault{});
    faulty.cut_all();
    ASSERT_TRUE(wait_until([&] { return agent->proxy().get("/orders/x").status == 200; },
                           "calls pass again"));
    const auto metrics = agent->api().get("/metrics").body;
    EXPECT_NE(
        metrics.find(R"(sc_agent_proxy_upstream_errors_total{reason="timeout",service="orders"})"),
        std::string::npos)
        << metrics;
}

TEST_F(ChaosTest, ABlackholedRegistryLapsesReadinessWhileDiscoveryAnswersFromCache) {
    auto provider = Upstream::named("orders-a");
    registry.add_instance(registry.create_service("orders"), provider->port());
    FaultProxy sc(registry.port());
    auto agent = start("http://127.0.0.1:" + std::to_string(sc.port()), "");
    auto api = agent->api();
    ASSERT_TRUE(wait_until([&] { return api.get("/readyz").status == 200; }, "ready"));
    ASSERT_EQ(agent->proxy().get("/orders/x").status, 200);

    // The registry stops answering without closing anything: calls hang until their timeouts.
    sc.set_fault(Fault{Kind::kBlackhole});
    sc.cut_all();
    ASSERT_TRUE(wait_until([&] { return api.get("/readyz").status == 503; },
                           "readiness off once the lease lapsed"));
    EXPECT_NE(api.get("/readyz").body.find("lease lapsed"), std::string::npos);
    const auto cached = api.get("/v1/services/orders/instances?app=itest");
    ASSERT_EQ(cached.status, 200) << cached.body;
    EXPECT_EQ(cached.json()["instances"].size(), 1U);
    EXPECT_EQ(agent->proxy().get("/orders/x").status, 200) << "the proxy serves from the cache";

    sc.set_fault(Fault{});
    ASSERT_TRUE(wait_until([&] { return api.get("/readyz").status == 200; }, "ready again"));
}

}  // namespace
}  // namespace scagent::test
