// Registration against the embedded dev registry over real sockets: normal start, the registry
// losing state, instances and services removed behind the agent's back, failover, RBAC.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;

class RegistrationTest : public ::testing::Test {
  protected:
    TempDir dir;
    std::unique_ptr<RegistryRunner> registry = std::make_unique<RegistryRunner>();

    std::unique_ptr<AgentRunner> start_agent(const std::string& names = "cart",
                                             app::DaemonOptions options = {},
                                             const std::string& registry_urls = "",
                                             const std::string& extra_agent_yaml = "") {
        std::string rest = names;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto name = rest.substr(0, comma);
            write_descriptor(dir, name);
            rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        }
        AgentYaml yaml;
        yaml.registry = registry_urls.empty() ? registry->url() : registry_urls;
        yaml.registry_extra = extra_agent_yaml;
        return std::make_unique<AgentRunner>(yaml.write(dir), std::move(options));
    }
    bool registered(const std::string& name) {
        return eventually([&] { return registry->status_of(name) == "UP"; }, 10s);
    }
};

TEST_F(RegistrationTest, NormalStartRegistersTheDescriptorAndIsReady) {
    auto agent = start_agent();
    ASSERT_TRUE(registered("cart"));
    const auto service = *registry->service("cart");
    EXPECT_EQ(service["appId"], "itest");
    EXPECT_EQ(service["version"], "1.2.3");
    EXPECT_EQ(service["environment"], "testing");
    EXPECT_EQ(service["description"], "integration test service");
    EXPECT_EQ(service["registerBy"], "SIDECAR");
    EXPECT_EQ(service["properties"]["owner"], "team-a");
    const auto instance = *registry->instance("cart");
    EXPECT_EQ(instance["endpoints"], OrderedJson::array({"rest://127.0.0.1:18080"}));
    EXPECT_EQ(instance["hostName"], "itest-host");
    EXPECT_EQ(instance["properties"]["zone"], "z1");

    auto api = agent->api();
    ASSERT_TRUE(eventually([&] { return api.get("/readyz").status == 200; }, 10s));
    const auto services = api.get("/v1/agent/services").json();
    ASSERT_EQ(services.size(), 1U);
    EXPECT_EQ(services[0]["name"], "cart");
    EXPECT_EQ(services[0]["app"], "itest");
    EXPECT_EQ(services[0]["serviceId"], service["serviceId"]);
    EXPECT_EQ(services[0]["instanceId"], instance["instanceId"]);
    EXPECT_EQ(services[0]["status"], "UP");
    EXPECT_EQ(services[0]["registered"], true);
    EXPECT_TRUE(eventually(
        [&] { return api.get("/v1/agent/services").json()[0]["lastHeartbeat"].is_string(); }));
    EXPECT_EQ(api.get("/healthz").status, 200U);
    const auto metrics = api.get("/metrics");
    EXPECT_EQ(metrics.status, 200U);
    EXPECT_NE(metrics.body.find("sc_agent_registered{service=\"cart\"} 1"), std::string::npos);
    EXPECT_NE(metrics.body.find("sc_agent_registry_requests_total"), std::string::npos);
    EXPECT_NE(metrics.body.find("sc_agent_registry_request_duration_seconds"), std::string::npos);

    EXPECT_EQ(agent->stop(), 0);
    EXPECT_TRUE(registry->instances("cart").empty()) << "deregistered on stop";
}

TEST_F(RegistrationTest, ReadyzIs503WithAReasonWhileTheRegistryIsDown) {
    const auto url = registry->url();
    registry->stop();
    auto agent = start_agent("cart", {}, url);
    auto api = agent->api();
    const auto answer = api.get("/readyz");
    EXPECT_EQ(answer.status, 503U);
    EXPECT_NE(answer.json()["reason"].get<std::string>().find("cart"), std::string::npos);
}

TEST_F(RegistrationTest, ReadyzTurns503WhenAnOutageOutlastsTheLeaseAndBackAfterIt) {
    auto agent = start_agent();
    ASSERT_TRUE(registered("cart"));
    auto api = agent->api();
    ASSERT_TRUE(eventually([&] { return api.get("/readyz").status == 200; }, 10s));
    // The descriptor's lease is 1 s x (3 + 1): an outage past 4 s means the registry has
    // dropped the instance, whatever the agent last heard.
    registry->stop();
    ASSERT_TRUE(eventually([&] { return api.get("/readyz").status == 503; }, 30s));
    const auto reason = api.get("/readyz").json()["reason"].get<std::string>();
    EXPECT_NE(reason.find("cart lease lapsed"), std::string::npos) << reason;
    EXPECT_NE(reason.find("4s lease"), std::string::npos) << reason;
    registry->restart();
    ASSERT_TRUE(eventually([&] { return api.get("/readyz").status == 200; }, 30s));
    EXPECT_TRUE(registered("cart"));
}

TEST_F(RegistrationTest, RegistryRestartedEmptyGetsTheSameInstanceBackWithinAHeartbeat) {
    auto agent = start_agent();
    ASSERT_TRUE(registered("cart"));
    const auto id = (*registry->instance("cart"))["instanceId"];
    registry->restart();
    ASSERT_EQ(registry->instances("cart").size(), 0U);
    // Heartbeats run every 0.3 s here (1 s interval, scaled); allow for a loaded machine.
    ASSERT_TRUE(eventually([&] { return registry->instance("cart").has_value(); }, 5s));
    EXPECT_EQ((*registry->instance("cart"))["instanceId"], id);
}

TEST_F(RegistrationTest, InstanceRemovedBehindTheAgentsBackIsRegisteredAgain) {
    auto agent = start_agent();
    ASSERT_TRUE(registered("cart"));
    const auto instance = *registry->instance("cart");
    const auto sid = (*registry->service("cart"))["serviceId"].get<std::string>();
    registry->store().deregister(kTenant, sid, instance["instanceId"].get<std::string>());
    ASSERT_TRUE(registry->instances("cart").empty());
    ASSERT_TRUE(eventually([&] { return registry->instance("cart").has_value(); }, 5s));
    EXPECT_EQ((*registry->instance("cart"))["instanceId"], instance["instanceId"]);
    const auto metrics = agent->api().get("/metrics").body;
    EXPECT_NE(metrics.find(R"(sc_agent_heartbeats_total{result="instance_gone",service="cart"})"),
              std::string::npos)
        << metrics;
}

TEST_F(RegistrationTest, ServiceRemovedIsRecreatedWithTheInstance) {
    auto agent = start_agent();
    ASSERT_TRUE(registered("cart"));
    const auto old_sid = (*registry->service("cart"))["serviceId"].get<std::string>();
    registry->store().delete_service(kTenant, old_sid, true);
    ASSERT_FALSE(registry->service("cart").has_value());
    ASSERT_TRUE(eventually([&] { return registry->instance("cart").has_value(); }, 5s));
    EXPECT_EQ((*registry->service("cart"))["registerBy"], "SIDECAR");
    EXPECT_EQ(registry->status_of("cart"), "UP");
}

TEST_F(RegistrationTest, SeveralServicesHeartbeatInOneBatch) {
    auto agent = start_agent("cart,orders");
    ASSERT_TRUE(registered("cart"));
    ASSERT_TRUE(registered("orders"));
    ASSERT_TRUE(eventually([&] {
        const auto counts = registry->registry().sc_route_counts();
        for (const auto& [route, count] : counts) {
            if (route.find("/heartbeats") != std::string::npos && count.requests >= 2) {
                return true;
            }
        }
        return false;
    }));
}

TEST_F(RegistrationTest, FirstAddressDeadWorksThroughTheSecond) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto dead = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port());
    probe.close();
    auto agent = start_agent("cart", {}, dead + ", " + registry->url());
    ASSERT_TRUE(registered("cart"));
    const auto id = (*registry->instance("cart"))["instanceId"];
    // Heartbeats keep the same instance through the live address.
    ASSERT_TRUE(eventually([&] {
        return agent->api().get("/v1/agent/services").json()[0]["lastHeartbeat"].is_string();
    }));
    EXPECT_EQ((*registry->instance("cart"))["instanceId"], id);
    EXPECT_EQ(agent->stop(), 0);
    EXPECT_TRUE(registry->instances("cart").empty());
}

TEST(RbacRegistrationTest, TokenIsRefreshedWithoutAFailedHeartbeat) {
    auto config = RegistryRunner::defaults();
    config.auth = "root:s3cret";
    config.token_min_expiration = 1s;
    RegistryRunner registry(Kie::off, config);
    TempDir dir;
    write_descriptor(dir, "cart");
    AgentYaml yaml;
    yaml.registry = registry.url();
    yaml.registry_extra = "  auth: {username: root, password: s3cret}\n";
    app::DaemonOptions options;
    options.token_lifetime = 2s;  // refreshed after 5/6 of it
    AgentRunner agent(yaml.write(dir), std::move(options));
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));
    auto token_requests = [&] {
        const auto counts = registry.registry().sc_route_counts();
        std::uint64_t total = 0;
        for (const auto& [route, count] : counts) {
            if (route.find("/v4/token") != std::string::npos) {
                total += count.by_status.count(200) ? count.by_status.at(200) : 0;
            }
        }
        return total;
    };
    ASSERT_TRUE(eventually([&] { return token_requests() >= 3; }, 15s));
    const auto metrics = agent.api().get("/metrics").body;
    EXPECT_NE(metrics.find(R"(sc_agent_heartbeats_total{result="ok",service="cart"})"),
              std::string::npos);
    EXPECT_EQ(metrics.find(R"(result="unavailable")"), std::string::npos) << metrics;
    EXPECT_EQ(metrics.find(R"(result="error")"), std::string::npos) << metrics;
    EXPECT_EQ(metrics.find(R"(code="401")"), std::string::npos) << metrics;
    EXPECT_EQ(agent.stop(), 0);
    EXPECT_TRUE(registry.instances("cart").empty());
}

}  // namespace
}  // namespace scagent::test
