#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <variant>

#include "agent/dev_registry/kie_store.hpp"
#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

/// Shorter than the agent's 10 s long-poll wait: an update seen within this bound was delivered
/// by the woken long poll, not by a poll that timed out and came back.
constexpr auto kWithinOneRoundTrip = 4s;

/// Creates an enabled text KV for the agent's service dimension (or `labels`); its id.
std::string put(RegistryRunner& registry, const std::string& key, const std::string& value,
                json labels = {
                    {"app", "itest"}, {"service", "orders"}, {"environment", "testing"}}) {
    return registry.put_kie(key, value, labels);
}

void update(RegistryRunner& registry, const std::string& id, const std::string& value) {
    auto updated = registry.kie().update("default", "default", id, {{"value", value}});
    if (!std::holds_alternative<dev_registry::OrderedJson>(updated)) {
        throw std::runtime_error("kie update failed");
    }
}

/// A provider service of app itest in environment testing with one UP instance; its id.
std::string add_provider(RegistryRunner& registry, const std::string& name,
                         const std::string& version, int port) {
    return registry.add_instance(registry.create_service(name, version), port);
}

/// The daemon in-process (local service "orders") with kie and an optional governance file.
class Agent {
  public:
    /// `registry_extra`: more keys of the `registry:` section, e.g. "  auth: {...}\n".
    Agent(const TempDir& dir, const RegistryRunner& registry,
          const std::string& governance_file = "", const std::string& snapshot_path = "",
          const std::string& registry_extra = "") {
        write_descriptor(dir, "orders");
        AgentYaml yaml;
        yaml.registry = registry.url();
        yaml.config_center = registry.kie_url();
        yaml.governance_file = governance_file;
        yaml.snapshot_path = snapshot_path;
        yaml.registry_extra = registry_extra;
        runner_ = std::make_unique<AgentRunner>(yaml.write(dir));
    }
    void reload() { runner_->reload(); }
    /// Stops without the drain waits (the registry is gone; nothing to drain against).
    void stop_now() { runner_->stop_now(); }
    json governance() {
        const auto response = runner_->api().get("/v1/agent/governance");
        return response.status == 200 ? response.json() : json();
    }
    json select(const std::string& service, const std::string& query = "") {
        const auto response = runner_->api().get("/v1/services/" + service + "/select" + query);
        return response.status == 200 ? response.json() : json();
    }
    std::string metrics() { return runner_->api().get("/metrics").body; }

  private:
    std::unique_ptr<AgentRunner> runner_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The item of `key` from `source` in a /v1/agent/governance body, or null.
json find_item(const json& body, const std::string& key, const std::string& source = "") {
    if (body.is_object()) {
        for (const auto& item : body["items"]) {
            if (item["key"] == key && (source.empty() || item["source"] == source)) {
                return item;
            }
        }
    }
    return nullptr;
}

json find_source(const json& body, const std::string& name) {
    if (body.is_object()) {
        for (const auto& source : body["sources"]) {
            if (source.value("dimension", source.value("path", "")) == name) {
                return source;
            }
        }
    }
    return nullptr;
}

/// Waits until every dimension has answered once, and its long poll is parked in kie.
void wait_for_polls(RegistryRunner& registry, Agent& agent) {
    ASSERT_TRUE(eventually([&] {
        const auto body = agent.governance();
        for (const auto* name : {"app", "service", "version"}) {
            const auto source = find_source(body, name);
            if (source.is_null() || source["state"] != "ok") {
                return false;
            }
        }
        return registry.kie().observer_count() == 3;
    }));
}

TEST(GovernanceIntegration, KieChangesShowUpWithinOneLongPollRoundTrip) {
    RegistryRunner registry(Kie::on);
    put(registry, "servicecomb.matchGroup.reads", "matches:\n  - method: [GET]\n");
    TempDir dir;
    Agent agent(dir, registry);
    ASSERT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.matchGroup.reads")["status"] == "ok";
    }));
    wait_for_polls(registry, agent);

    const auto id = put(registry, "servicecomb.retry.reads", "maxAttempts: 2\n");
    const auto seen = [&](const std::string& attempts) {
        const auto item = find_item(agent.governance(), "servicecomb.retry.reads");
        return !item.is_null() && item["status"] == "ok" && item["spec"]["maxAttempts"] == attempts;
    };
    EXPECT_TRUE(eventually([&] { return seen("2"); }, kWithinOneRoundTrip));

    wait_for_polls(registry, agent);
    update(registry, id, "maxAttempts: 3\n");
    EXPECT_TRUE(eventually([&] { return seen("3"); }, kWithinOneRoundTrip));

    const auto body = agent.governance();
    const auto service = find_source(body, "service");
    EXPECT_EQ(service["labels"],
              json({{"app", "itest"}, {"service", "orders"}, {"environment", "testing"}}));
    EXPECT_EQ(service["revision"], registry.kie().revision("default"));
    EXPECT_EQ(find_item(body, "servicecomb.retry.reads")["source"], "kie:service");
    EXPECT_EQ(body["effective"]["retry"][0]["name"], "reads");
}

TEST(GovernanceIntegration, KiePollsCarryTheRegistryTokenWhenRbacIsOn) {
    auto config = RegistryRunner::defaults();
    config.auth = "root:s3cret";
    RegistryRunner registry(Kie::on, config);
    put(registry, "servicecomb.retry.reads", "maxAttempts: 2\n");
    TempDir dir;
    Agent agent(dir, registry, "", "", "  auth: {username: root, password: s3cret}\n");
    // kie answers 401 to a poll without service-center's token: the sources would stay "error".
    EXPECT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.retry.reads")["status"] == "ok";
    }));
    // The item shows once one dimension has answered; the others answer on their own polls.
    const auto all_ok = [](const json& body) {
        for (const auto* name : {"app", "service", "version"}) {
            if (find_source(body, name)["state"] != "ok") {
                return false;
            }
        }
        return true;
    };
    EXPECT_TRUE(eventually([&] { return all_ok(agent.governance()); }));
    const auto body = agent.governance();
    for (const auto* name : {"app", "service", "version"}) {
        EXPECT_EQ(find_source(body, name)["state"], "ok") << find_source(body, name).dump();
    }
}

TEST(GovernanceIntegration, EveryLocalServicesDimensionsArePolled) {
    RegistryRunner registry(Kie::on);
    put(registry, "servicecomb.loadbalance.billing", "rule: Random\n",
        {{"app", "itest"}, {"service", "billing"}, {"environment", "testing"}});
    TempDir dir;
    dir.write("services.d/billing.yaml",
              "servicecomb:\n"
              "  service: {app: itest, name: billing, version: 2.0.0, environment: testing}\n"
              "  instance:\n"
              "    endpoints: [rest://127.0.0.1:18081]\n"
              "    healthCheck: {interval: 1, times: 3}\n");
    Agent agent(dir, registry);
    EXPECT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.loadbalance.billing")["status"] == "ok";
    }));
    const auto body = agent.governance();
    EXPECT_EQ(find_item(body, "servicecomb.loadbalance.billing")["source"],
              "kie:service:itest/billing@testing");
    EXPECT_FALSE(find_source(body, "service:itest/orders@testing").is_null());
    EXPECT_FALSE(find_source(body, "version:itest/billing/2.0.0@testing").is_null());
}

TEST(GovernanceIntegration, VersionDimensionOverridesAndDisabledOrForeignItemsDoNotApply) {
    RegistryRunner registry(Kie::on);
    put(registry, "servicecomb.retry.r", "maxAttempts: 1\n",
        {{"app", "itest"}, {"environment", "testing"}});
    put(registry, "servicecomb.retry.r", "maxAttempts: 4\n",
        {{"app", "itest"},
         {"service", "orders"},
         {"environment", "testing"},
         {"version", "1.2.3"}});
    put(registry, "servicecomb.retry.other-env", "maxAttempts: 1\n",
        {{"app", "itest"}, {"environment", "production"}});
    registry.kie().create("default", "default",
                          {{"key", "servicecomb.retry.off"},
                           {"value", "maxAttempts: 1"},
                           {"labels", {{"app", "itest"}, {"environment", "testing"}}}});
    TempDir dir;
    Agent agent(dir, registry);
    wait_for_polls(registry, agent);
    const auto body = agent.governance();
    EXPECT_EQ(find_item(body, "servicecomb.retry.r", "kie:version")["status"], "ok");
    EXPECT_EQ(find_item(body, "servicecomb.retry.r", "kie:version")["spec"]["maxAttempts"], "4");
    EXPECT_EQ(find_item(body, "servicecomb.retry.r", "kie:app")["status"], "ignored");
    EXPECT_TRUE(find_item(body, "servicecomb.retry.other-env").is_null());
    EXPECT_TRUE(find_item(body, "servicecomb.retry.off").is_null());  // created disabled
}

TEST(GovernanceIntegration, InvalidItemIsReportedWhileValidOnesApply) {
    RegistryRunner registry(Kie::on);
    TempDir dir;
    Agent agent(dir, registry);
    wait_for_polls(registry, agent);
    put(registry, "servicecomb.rateLimiting.bad", "rate: -5\n");
    put(registry, "servicecomb.rateLimiting.good", "rate: 50\n");
    ASSERT_TRUE(eventually([&] {
        const auto body = agent.governance();
        return find_item(body, "servicecomb.rateLimiting.bad")["status"] == "rejected" &&
               find_item(body, "servicecomb.rateLimiting.good")["status"] == "ok";
    }));
    const auto body = agent.governance();
    const auto bad = find_item(body, "servicecomb.rateLimiting.bad");
    ASSERT_EQ(bad["errors"].size(), 1u);
    EXPECT_NE(bad["errors"][0].get<std::string>().find("servicecomb.rateLimiting.bad:"),
              std::string::npos)
        << bad;
    EXPECT_EQ(body["effective"]["rateLimiting"],
              json::array({{{"name", "good"}, {"order", 0}, {"status", "enforced"}}}));
    const auto text = agent.metrics();
    EXPECT_NE(text.find("sc_agent_governance_items{kind=\"rateLimiting\",status=\"rejected\"} 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("sc_agent_governance_items{kind=\"rateLimiting\",status=\"loaded\"} 1"),
              std::string::npos);
}

TEST(GovernanceIntegration, KieStoppedKeepsTheLastGoodSnapshot) {
    RegistryRunner registry(Kie::on);
    put(registry, "servicecomb.retry.kept", "maxAttempts: 2\n");
    TempDir dir;
    Agent agent(dir, registry);
    ASSERT_TRUE(eventually(
        [&] { return find_item(agent.governance(), "servicecomb.retry.kept")["status"] == "ok"; }));
    registry.stop();
    ASSERT_TRUE(
        eventually([&] { return find_source(agent.governance(), "service")["state"] == "error"; }));
    const auto body = agent.governance();
    EXPECT_EQ(find_item(body, "servicecomb.retry.kept")["status"], "ok");
    EXPECT_EQ(body["effective"]["retry"][0]["name"], "kept");
    EXPECT_FALSE(find_source(body, "service")["error"].get<std::string>().empty());
    agent.stop_now();
}

TEST(GovernanceIntegration, RestartDuringAKieOutageKeepsGovernanceFromTheDiskSnapshot) {
    RegistryRunner registry(Kie::on);
    put(registry, "servicecomb.retry.kept", "maxAttempts: 2\n");
    TempDir dir;
    const auto snapshot = (dir.path() / "cache.json").string();
    {
        Agent agent(dir, registry, "", snapshot);
        ASSERT_TRUE(eventually([&] {
            return find_item(agent.governance(), "servicecomb.retry.kept")["status"] == "ok";
        }));
    }  // a clean stop writes the snapshot
    ASSERT_NE(read_file(snapshot).find("servicecomb.retry.kept"), std::string::npos);

    registry.stop();
    Agent restarted(dir, registry, "", snapshot);
    const auto body = restarted.governance();  // at once: no kie answer is awaited
    const auto item = find_item(body, "servicecomb.retry.kept", "kie:service");
    ASSERT_FALSE(item.is_null()) << body.dump();
    EXPECT_EQ(item["status"], "ok");
    EXPECT_EQ(body["effective"]["retry"][0]["name"], "kept");
    restarted.stop_now();
}

TEST(GovernanceIntegration, SelectFollowsTheRouteRuleFromKie) {
    RegistryRunner registry(Kie::on);
    const auto v1 = add_provider(registry, "inventory", "1.0.0", 19101);
    const auto v2 = add_provider(registry, "inventory", "2.0.0", 19102);
    put(registry, "servicecomb.routeRule.inventory",
        "- precedence: 1\n"
        "  route:\n"
        "    - weight: 100\n"
        "      tags: {version: 2.0.0}\n");
    TempDir dir;
    Agent agent(dir, registry);
    ASSERT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.routeRule.inventory")["status"] == "ok";
    }));
    // Without the rule RoundRobin would alternate between the two; with it only 2.0.0 answers.
    for (int i = 0; i < 10; ++i) {
        const auto answer = agent.select("inventory");
        ASSERT_TRUE(answer.is_object()) << "select failed";
        EXPECT_EQ(answer["instance"]["instanceId"], v2);
        EXPECT_NE(answer["instance"]["instanceId"], v1);
    }
    EXPECT_NE(agent.metrics().find(
                  "sc_agent_governance_actions_total{action=\"routed\",kind=\"routeRule\"} 10"),
              std::string::npos)
        << agent.metrics();
}

TEST(GovernanceIntegration, SelectMatchesOnTheMethodPathAndHeadersItIsGiven) {
    RegistryRunner registry(Kie::on);
    const auto v1 = add_provider(registry, "inventory", "1.0.0", 19103);
    const auto v2 = add_provider(registry, "inventory", "2.0.0", 19104);
    put(registry, "servicecomb.routeRule.inventory",
        "- precedence: 2\n"
        "  match:\n"
        "    method: [POST]\n"
        "    apiPath: {prefix: /api/}\n"
        "    headers: {x-canary: {exact: \"1\"}}\n"
        "  route:\n"
        "    - weight: 100\n"
        "      tags: {version: 2.0.0}\n"
        "- precedence: 1\n"
        "  route:\n"
        "    - weight: 100\n"
        "      tags: {version: 1.0.0}\n");
    TempDir dir;
    Agent agent(dir, registry);
    ASSERT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.routeRule.inventory")["status"] == "ok";
    })) << find_item(agent.governance(), "servicecomb.routeRule.inventory").dump();
    const auto chosen = [&](const std::string& query) {
        return agent.select("inventory", query)["instance"]["instanceId"];
    };
    EXPECT_EQ(chosen("?method=POST&path=/api/stock&header=x-canary:1&header=x-other:2"), v2);
    EXPECT_EQ(chosen("?method=POST&path=/api/stock&header=X-Canary:1"), v2);
    EXPECT_EQ(chosen("?method=POST&path=/api/stock"), v1);
    EXPECT_EQ(chosen("?method=GET&path=/api/stock&header=x-canary:1"), v1);
    EXPECT_EQ(chosen("?method=POST&path=/other&header=x-canary:1"), v1);
    EXPECT_EQ(chosen(""), v1);
}

TEST(GovernanceIntegration, GovernanceFileIsReReadOnReload) {
    RegistryRunner registry(Kie::on);
    TempDir dir;
    const auto file =
        dir.write("governance.yaml", "servicecomb.bulkhead.local: \"maxConcurrentCalls: 3\"\n");
    Agent agent(dir, registry, "governance.yaml");  // relative to agent.yaml
    const auto spec_of = [&](const std::string& key) {
        return find_item(agent.governance(), key)["spec"];
    };
    ASSERT_TRUE(eventually([&] { return spec_of("servicecomb.bulkhead.local").is_object(); }));
    EXPECT_EQ(find_source(agent.governance(), file)["state"], "ok");

    dir.write("governance.yaml", "servicecomb.bulkhead.local: \"maxConcurrentCalls: 9\"\n");
    agent.reload();
    ASSERT_TRUE(eventually([&] {
        const auto spec = spec_of("servicecomb.bulkhead.local");
        return spec.is_object() && spec["maxConcurrentCalls"] == "9";
    }));

    dir.write("governance.yaml", "servicecomb.bulkhead.local: [broken\n");
    agent.reload();
    ASSERT_TRUE(
        eventually([&] { return find_source(agent.governance(), file)["state"] == "error"; }));
    EXPECT_EQ(spec_of("servicecomb.bulkhead.local")["maxConcurrentCalls"], "9");
}

}  // namespace
}  // namespace scagent::test
