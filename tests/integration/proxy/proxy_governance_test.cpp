// Consumer-side governance on live proxied traffic: rate limiting, bulkhead, circuit breaker and
// fault injection, each bound by a match group, against real upstream servers. Time-based
// policies run on a FakeClock the test moves.
#include <atomic>
#include <future>
#include <iostream>
#include <map>
#include <string>
#include <variant>

#include "agent/dev_registry/kie_store.hpp"
#include "plugins/api/fake_clock.hpp"
#include "tests/integration/proxy/proxy_fixture.hpp"
#include "tests/support/wait.hpp"

namespace scagent::test {
namespace {

/// The value of one sample line of `metrics` ("name{labels}"), or -1 when absent.
double sample(const std::string& metrics, const std::string& series) {
    const auto at = metrics.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(metrics.substr(at + series.size() + 2));
}

std::string action_series(const std::string& kind, const std::string& action) {
    return R"(sc_agent_governance_actions_total{action=")" + action + R"(",kind=")" + kind +
           R"("})";
}

/// A provider whose answers to paths starting with /slow wait until release() (or 30 s), so
/// that calls stay in flight as long as a test needs; everything else gets 200 at once.
class GatedUpstream {
  public:
    GatedUpstream()
        : released_(gate_.get_future().share()), upstream_([this](const FakeRequest& request) {
              if (request.target.rfind("/slow", 0) == 0) {
                  released_.wait_for(std::chrono::seconds(30));
              }
              FakeReply reply;
              reply.body = "done " + request.target;
              return reply;
          }) {}
    ~GatedUpstream() { release(); }

    void release() {
        if (!released_once_) {
            released_once_ = true;
            gate_.set_value();
        }
    }
    std::uint16_t port() const { return upstream_.port(); }

  private:
    std::promise<void> gate_;
    std::shared_future<void> released_;
    bool released_once_ = false;
    Upstream upstream_;
};

class ProxyGovernanceTest : public ProxyTest {
  protected:
    plugins::FakeClock clock;

    std::unique_ptr<AgentRunner> start_governed(const std::string& governance) {
        app::DaemonOptions options;
        options.policy_clock = &clock;
        return start_agent(governance, "", std::move(options));
    }
    std::string metrics(AgentRunner& agent) { return "\n" + agent.api().get("/metrics").body; }
};

TEST_F(ProxyGovernanceTest, PastTheRateTheMatchedPathGets429WithRetryAfterAndOthersPass) {
    auto provider = Upstream::named("orders-a");
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_governed(R"(
servicecomb.matchGroup.limited: |
  matches:
    - apiPath: {prefix: /limited}
servicecomb.rateLimiting.limited: |
  rate: 3
  limitRefreshPeriod: 3600000
)");
    auto proxy = agent->proxy();

    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(proxy.get("/orders/limited/a").status, 200) << "call " << i;
    }
    const auto limited = proxy.get("/orders/limited/a");
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(limited.header("X-Sc-Agent-Error"), "RATE_LIMITED");
    EXPECT_EQ(limited.header("Retry-After"), "3600");
    EXPECT_EQ(limited.json()["error"]["code"], "RATE_LIMITED");
    EXPECT_EQ(provider->requests(), 3);

    // Other paths are not bound to the policy.
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(proxy.get("/orders/open").status, 200);
    }
    // The next period hands out permits again.
    clock.advance(std::chrono::hours(1));
    EXPECT_EQ(proxy.get("/orders/limited/a").status, 200);

    const auto text = metrics(*agent);
    EXPECT_EQ(sample(text, action_series("rateLimiting", "limited")), 1) << text;
    EXPECT_EQ(sample(text, R"(sc_agent_proxy_requests_total{code="429",service="orders"})"), 1);
}

TEST_F(ProxyGovernanceTest, APolicyBoundToPostAndAHeaderAppliesToThoseCallsOnly) {
    auto provider = Upstream::named("orders-a");
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_governed(R"(
servicecomb.matchGroup.free-posts: |
  matches:
    - method: [POST]
      headers:
        x-tier: {exact: free}
servicecomb.rateLimiting.free-posts: |
  rate: 1
  limitRefreshPeriod: 3600000
)");
    auto proxy = agent->proxy();
    const std::map<std::string, std::string> free{{"x-tier", "free"}};
    const std::map<std::string, std::string> gold{{"x-tier", "gold"}};

    EXPECT_EQ(proxy.post("/orders/buy", "{}", free).status, 200);
    EXPECT_EQ(proxy.post("/orders/buy", "{}", free).status, 429);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(proxy.post("/orders/buy", "{}", gold).status, 200) << "gold POST " << i;
        EXPECT_EQ(proxy.get("/orders/buy", free).status, 200) << "free GET " << i;
        EXPECT_EQ(proxy.post("/orders/buy", "{}").status, 200) << "no header " << i;
    }
}

TEST_F(ProxyGovernanceTest, ABulkheadRejectsTheCallPastItsLimitAndAWaitingCallGetsAFreedSlot) {
    GatedUpstream provider;
    registry.add_instance(registry.create_service("orders"), provider.port());
    auto agent = start_governed(R"(
servicecomb.matchGroup.strict: |
  matches:
    - apiPath: {prefix: /slow/strict}
servicecomb.bulkhead.strict: |
  maxConcurrentCalls: 1
servicecomb.matchGroup.patient: |
  matches:
    - apiPath: {prefix: /slow/patient}
servicecomb.bulkhead.patient: |
  maxConcurrentCalls: 1
  maxWaitDuration: 30000
)");
    const auto port = agent->proxy_ports().at(0);
    const auto call = [port](std::string target) {
        return std::async(std::launch::async, [port, target] {
            return HttpTestClient("127.0.0.1", port, std::chrono::seconds(60)).get(target);
        });
    };
    const auto active = [&] {
        return sample(metrics(*agent), R"(sc_agent_proxy_active_requests{service="orders"})");
    };

    auto strict_first = call("/orders/slow/strict/1");
    auto patient_first = call("/orders/slow/patient/1");
    ASSERT_TRUE(wait_until([&] { return active() == 2; }, "two calls in flight"));

    // The strict bulkhead is full and may not wait: rejected at once.
    const auto rejected = agent->proxy().get("/orders/slow/strict/2");
    EXPECT_EQ(rejected.status, 503) << rejected.body;
    EXPECT_EQ(rejected.header("X-Sc-Agent-Error"), "BULKHEAD_FULL");

    // The patient one queues for its slot and gets it when the first call ends.
    auto patient_second = call("/orders/slow/patient/2");
    ASSERT_TRUE(wait_until(
        [&] { return sample(metrics(*agent), action_series("bulkhead", "queued")) == 1; },
        "the second patient call queued"));
    provider.release();
    EXPECT_EQ(strict_first.get().status, 200);
    EXPECT_EQ(patient_first.get().status, 200);
    const auto second = patient_second.get();
    EXPECT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second.body, "done /slow/patient/2");
    EXPECT_EQ(sample(metrics(*agent), action_series("bulkhead", "rejected")), 1);
}

TEST_F(ProxyGovernanceTest,
       ABreakerOpensRejectsWithoutTouchingTheUpstreamAndHalfOpensAfterTheWait) {
    std::atomic<int> status{503};
    auto provider = std::make_unique<Upstream>([&status](const FakeRequest&) {
        FakeReply reply;
        reply.status = status.load();
        return reply;
    });
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_governed(R"(
servicecomb.matchGroup.orders: |
  matches:
    - apiPath: {prefix: /}
servicecomb.circuitBreaker.orders: |
  slidingWindowType: COUNT_BASED
  slidingWindowSize: 2
  minimumNumberOfCalls: 2
  failureRateThreshold: 50
  waitDurationInOpenState: 60000
  permittedNumberOfCallsInHalfOpenState: 1
)");
    auto proxy = agent->proxy();
    const std::string state = R"(sc_agent_proxy_circuit_state{service="orders"})";

    EXPECT_EQ(proxy.get("/orders/a").status, 503);
    EXPECT_EQ(proxy.get("/orders/a").status, 503);
    EXPECT_EQ(sample(metrics(*agent), state), 1);

    // Open: answered by the agent, the upstream sees nothing.
    const int seen = provider->requests();
    for (int i = 0; i < 5; ++i) {
        const auto open = proxy.get("/orders/a");
        EXPECT_EQ(open.status, 503);
        EXPECT_EQ(open.header("X-Sc-Agent-Error"), "CIRCUIT_OPEN");
    }
    EXPECT_EQ(provider->requests(), seen);

    // After waitDurationInOpenState one trial call goes through; its success closes the breaker.
    status = 200;
    clock.advance(std::chrono::seconds(61));
    EXPECT_EQ(proxy.get("/orders/a").status, 200);
    EXPECT_EQ(provider->requests(), seen + 1);
    EXPECT_EQ(proxy.get("/orders/a").status, 200);

    const auto text = metrics(*agent);
    EXPECT_EQ(sample(text, state), 0) << text;
    EXPECT_EQ(sample(text, action_series("circuitBreaker", "opened")), 1);
    EXPECT_EQ(sample(text, action_series("circuitBreaker", "rejected")), 5);
    EXPECT_EQ(sample(text, action_series("circuitBreaker", "half-opened")), 1);
    EXPECT_EQ(sample(text, action_series("circuitBreaker", "closed")), 1);
}

TEST_F(ProxyGovernanceTest, FaultInjectionAbortsItsPercentageAndDelaysByAtLeastItsTime) {
    auto provider = Upstream::named("orders-a");
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_governed(R"(
servicecomb.matchGroup.abort: |
  matches:
    - apiPath: {prefix: /abort}
servicecomb.faultInjection.abort: |
  type: abort
  percentage: 25
  errorCode: 418
servicecomb.matchGroup.delay: |
  matches:
    - apiPath: {prefix: /delay}
servicecomb.faultInjection.delay: |
  type: delay
  percentage: 100
  delayTime: 300
)");
    auto proxy = agent->proxy();

    int aborted = 0;
    for (int i = 0; i < 400; ++i) {
        const auto response = proxy.get("/orders/abort");
        if (response.status == 418) {
            ++aborted;
            ASSERT_EQ(response.header("X-Sc-Agent-Error"), "FAULT_INJECTED");
        } else {
            ASSERT_EQ(response.status, 200) << response.body;
        }
    }
    EXPECT_GE(aborted, 90);
    EXPECT_LE(aborted, 110);
    EXPECT_EQ(provider->requests(), 400 - aborted);

    // A lower bound only: a timer never fires early, however loaded the machine.
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(proxy.get("/orders/delay").status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
    EXPECT_EQ(sample(metrics(*agent), action_series("faultInjection", "injected")), aborted + 1);
}

TEST_F(ProxyGovernanceTest, ExplainShowsTheLimiterThatWouldRefuseAndTheIsolatedInstance) {
    auto broken = std::make_unique<Upstream>([](const FakeRequest&) {
        FakeReply reply;
        reply.status = 500;
        return reply;
    });
    auto healthy = Upstream::named("healthy");
    const auto sid = registry.create_service("orders");
    const auto broken_id = registry.add_instance(sid, broken->port());
    const auto healthy_id = registry.add_instance(sid, healthy->port());
    auto agent = start_governed(R"(
servicecomb.matchGroup.limited: |
  matches:
    - apiPath: {prefix: /limited}
      method: [GET]
servicecomb.rateLimiting.limited: |
  rate: 1
  limitRefreshPeriod: 3600000
servicecomb.matchGroup.everything: |
  matches:
    - apiPath: {prefix: /}
servicecomb.loadbalance.everything: |
  rule: RoundRobin
)");
    auto proxy = agent->proxy();
    // Three failures in a row isolate the broken instance (default isolation).
    ASSERT_TRUE(wait_until(
        [&] { return proxy.get("/orders/other").status == 200 && broken->requests() >= 3; },
        "the broken instance failed three times"));
    ASSERT_EQ(proxy.get("/orders/limited").status, 200);  // the period's only permit

    const auto answer = agent->api().get("/v1/explain?service=orders&path=/limited&method=get");
    ASSERT_EQ(answer.status, 200) << answer.body;
    std::cout << "explain: " << answer.body << "\n";  // the note's example
    const auto explained = answer.json();
    EXPECT_EQ(explained["request"]["consumer"], "cart");
    EXPECT_EQ(explained["matchGroups"], nlohmann::json::array({"everything", "limited"}));
    EXPECT_EQ(explained["policies"]["rateLimiting"]["name"], "limited");
    EXPECT_EQ(explained["policies"]["rateLimiting"]["key"], "servicecomb.rateLimiting.limited");
    EXPECT_NE(explained["policies"]["rateLimiting"]["now"].get<std::string>().find("would limit"),
              std::string::npos);
    EXPECT_EQ(explained["policies"]["loadbalance"]["rule"], "RoundRobin");
    std::map<std::string, nlohmann::json> excluded;
    for (const auto& candidate : explained["candidates"]) {
        excluded[candidate["instanceId"].get<std::string>()] = candidate["excluded"];
    }
    EXPECT_EQ(excluded.at(broken_id), "isolated (instanceIsolation)");
    EXPECT_TRUE(excluded.at(healthy_id).is_null());
    EXPECT_EQ(explained["decision"].get<std::string>().rfind("reject: 429 RATE_LIMITED", 0), 0u)
        << explained["decision"];

    // Explaining took nothing: the other path is still forwarded to the healthy instance.
    const auto other = agent->api().get("/v1/explain?service=orders&path=/other");
    EXPECT_EQ(other.json()["decision"], "forward to one of 1 instance by RoundRobin");
    EXPECT_EQ(agent->api().get("/v1/explain").json()["error"]["code"], "BAD_REQUEST");
}

/// A loopback port that was free a moment ago (the inbound address must be known before the
/// agent registers it).
std::uint16_t free_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

TEST_F(ProxyGovernanceTest, InboundRegistersItsAddressAndLimitsTheGreedyCallerOnly) {
    auto app = Upstream::named("cart-app");
    const auto inbound_port = free_port();
    dir.write(
        "services.d/cart.yaml",
        descriptor_yaml("cart",
                        "  inbound:\n    listen: 127.0.0.1:" + std::to_string(inbound_port) +
                            "\n    target: http://127.0.0.1:" + std::to_string(app->port()) + "\n",
                        ""));
    dir.write("governance.yaml", R"(
servicecomb.matchGroup.greedy: |
  matches:
    - serviceName: greedy
servicecomb.rateLimiting.greedy: |
  rate: 2
  limitRefreshPeriod: 3600000
)");
    AgentYaml yaml;
    yaml.registry = registry.url();
    yaml.governance_file = "governance.yaml";
    app::DaemonOptions options;
    options.policy_clock = &clock;
    AgentRunner agent(yaml.write(dir), std::move(options));

    // What consumers find in the registry is the inbound listener, not the app.
    ASSERT_TRUE(wait_until(
        [&] {
            auto instance = registry.instance("cart");
            return instance && (*instance)["endpoints"].dump().find("rest://127.0.0.1:" +
                                                                    std::to_string(inbound_port)) !=
                                   std::string::npos;
        },
        "cart registered with its inbound address"));

    HttpTestClient inbound("127.0.0.1", inbound_port);
    const auto as = [](const std::string& caller) {
        return std::map<std::string, std::string>{
            {"x-cse-context", R"({"x-cse-src-microservice":")" + caller + R"("})"}};
    };
    EXPECT_EQ(inbound.get("/items", as("greedy")).status, 200);
    EXPECT_EQ(inbound.get("/items", as("greedy")).status, 200);
    const auto limited = inbound.get("/items", as("greedy"));
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(limited.header("X-Sc-Agent-Error"), "RATE_LIMITED");
    for (int i = 0; i < 5; ++i) {
        const auto polite = inbound.get("/items", as("polite"));
        ASSERT_EQ(polite.status, 200) << polite.body;
        EXPECT_EQ(polite.body, "cart-app");
    }
    EXPECT_EQ(inbound.get("/items").status, 200);  // no caller named: no serviceName match
    EXPECT_EQ(app->requests(), 2 + 5 + 1);
    const auto seen = app->last();
    ASSERT_NE(seen.header("X-Forwarded-For"), nullptr);

    // End to end: the agent's own proxy finds cart at its inbound address and the app sees
    // the caller the consumer side wrote.
    const auto through = agent.proxy().get("/cart/via-proxy");
    ASSERT_EQ(through.status, 200) << through.body;
    EXPECT_EQ(through.body, "cart-app");
    ASSERT_NE(app->last().header("x-cse-context"), nullptr);
    EXPECT_NE(app->last().header("x-cse-context")->find("\"cart\""), std::string::npos);
}

TEST_F(ProxyGovernanceTest, AKieRouteChangeTakesWholeOnTheNextCallsInEveryLoop) {
    auto v1 = Upstream::named("1.0.0");
    auto v2 = Upstream::named("2.0.0");
    registry.add_instance(registry.create_service("orders", "1.0.0"), v1->port());
    registry.add_instance(registry.create_service("orders", "2.0.0"), v2->port());
    const auto rule = [](int to_v1, int to_v2) {
        return "- precedence: 1\n  route:\n    - {weight: " + std::to_string(to_v1) +
               ", tags: {version: 1.0.0}}\n    - {weight: " + std::to_string(to_v2) +
               ", tags: {version: 2.0.0}}\n";
    };
    const nlohmann::json labels{{"app", "itest"}, {"service", "cart"}, {"environment", "testing"}};
    const auto id = registry.put_kie("servicecomb.routeRule.orders", rule(80, 20), labels);

    dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
    AgentYaml yaml;
    yaml.registry = registry.url();
    yaml.config_center = registry.kie_url();
    yaml.extra = "threads: 2\n";  // two event loops: both must follow the change
    AgentRunner agent(yaml.write(dir));
    auto proxy = agent.proxy();
    ASSERT_TRUE(wait_until(
        [&] {
            return agent.api()
                       .get("/v1/agent/governance")
                       .body.find("servicecomb.routeRule.orders") != std::string::npos;
        },
        "the route rule arrived from kie"));

    std::map<std::string, int> before;
    for (int i = 0; i < 400; ++i) {
        ++before[HttpTestClient("127.0.0.1", agent.proxy_ports().at(0)).get("/orders/x").body];
    }
    EXPECT_NEAR(before["1.0.0"], 320, 40);

    const auto changed_at = std::chrono::steady_clock::now();
    auto updated = registry.kie().update("default", "default", id, {{"value", rule(0, 100)}});
    ASSERT_TRUE(std::holds_alternative<dev_registry::OrderedJson>(updated));
    // New connections land on either loop (SO_REUSEPORT); 50 in a row on v2 means both follow.
    int in_a_row = 0;
    ASSERT_TRUE(wait_until(
        [&] {
            const auto body =
                HttpTestClient("127.0.0.1", agent.proxy_ports().at(0)).get("/orders/x").body;
            in_a_row = body == "2.0.0" ? in_a_row + 1 : 0;
            return in_a_row >= 50;
        },
        "every call goes to 2.0.0"));
    std::cout
        << "route change seen on every loop after "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - changed_at).count()
        << " s\n";
    // Once seen, the old rule never comes back: each call reads one snapshot, swapped whole.
    for (int i = 0; i < 300; ++i) {
        ASSERT_EQ(HttpTestClient("127.0.0.1", agent.proxy_ports().at(0)).get("/orders/x").body,
                  "2.0.0")
            << "call " << i;
    }
}

}  // namespace
}  // namespace scagent::test
