// Who may use the local API: the Host check against DNS rebinding and api.token for mutating
// routes, on the real daemon over loopback.
#include <gtest/gtest.h>

#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;

class ApiAccessTest : public ::testing::Test {
  protected:
    std::unique_ptr<AgentRunner> start_agent(const std::string& api_section) {
        write_descriptor(dir, "cart");
        AgentYaml yaml;
        yaml.registry = registry.url();
        yaml.extra = api_section;
        auto agent = std::make_unique<AgentRunner>(yaml.write(dir));
        EXPECT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));
        return agent;
    }

    TempDir dir;
    RegistryRunner registry;
};

TEST_F(ApiAccessTest, AHostThatIsNotTheAgentIsRefusedOnEveryRoute) {
    auto agent = start_agent("api: {allowed_hosts: [agent.internal, 'other.internal:8080']}\n");
    auto api = agent->api();
    const std::string port = std::to_string(agent->api_port());
    for (const std::string& host :
         std::vector<std::string>{"evil.example", "evil.example:" + port, "localhost.evil.example",
                                  "127.0.0.1.evil.example", "other.internal:9090"}) {
        for (const char* target : {"/healthz", "/v1/agent/services", "/metrics"}) {
            const auto answer = api.get(target, {{"Host", host}});
            EXPECT_EQ(answer.status, 403U) << host << " " << target;
            EXPECT_EQ(answer.json()["error"]["code"], "FORBIDDEN_HOST") << host;
        }
        EXPECT_EQ(
            api.put("/v1/agent/services/cart/maintenance?enable=true", "", {{"Host", host}}).status,
            403U);
    }
    EXPECT_EQ(registry.status_of("cart"), "UP");
    for (const std::string& host : std::vector<std::string>{
             "127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.2",
             "agent.internal", "Agent.Internal:" + port, "other.internal:8080"}) {
        EXPECT_EQ(api.get("/healthz", {{"Host", host}}).status, 200U) << host;
    }
}

TEST_F(ApiAccessTest, WithATokenMutatingRoutesNeedItAndReadsDoNot) {
    auto agent = start_agent("api: {token: s3cret-t0ken}\n");
    auto api = agent->api();
    const std::string route = "/v1/agent/services/cart/maintenance?enable=true&reason=x";
    for (const std::map<std::string, std::string>& headers :
         {std::map<std::string, std::string>{},
          {{"Authorization", "Bearer wrong"}},
          {{"Authorization", "Bearer s3cret-t0ken-and-more"}},
          {{"Authorization", "s3cret-t0ken"}}}) {
        const auto answer = api.put(route, "", headers);
        EXPECT_EQ(answer.status, 401U) << answer.body;
        EXPECT_EQ(answer.json()["error"]["code"], "UNAUTHORIZED");
        EXPECT_EQ(answer.headers.at("www-authenticate"), "Bearer");
        EXPECT_EQ(answer.body.find("s3cret"), std::string::npos);
    }
    EXPECT_EQ(api.get("/v1/agent/services").json()[0]["maintenance"], false);
    EXPECT_EQ(api.get("/v1/agent/services").status, 200U);
    EXPECT_EQ(api.get("/v1/agent/governance").status, 200U);

    const auto answer = api.put(route, "", {{"Authorization", "Bearer s3cret-t0ken"}});
    ASSERT_EQ(answer.status, 200U) << answer.body;
    EXPECT_TRUE(eventually([&] { return registry.status_of("cart") == "OUTOFSERVICE"; }, 10s));
}

}  // namespace
}  // namespace scagent::test
