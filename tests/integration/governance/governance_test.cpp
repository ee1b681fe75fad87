#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <variant>

#include "agent/app/daemon.hpp"
#include "agent/dev_registry/dev_registry.hpp"
#include "agent/dev_registry/kie_store.hpp"
#include "config/loader.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

/// Shorter than the agent's 10 s long-poll wait: an update seen within this bound was delivered
/// by the woken long poll, not by a poll that timed out and came back.
constexpr auto kWithinOneRoundTrip = 4s;

/// The dev registry (SC + kie) on its own io_context thread.
class Registry {
  public:
    /// `auth` "user:password" turns RBAC on (service center and kie).
    explicit Registry(const std::string& auth = "") {
        dev_registry::DevRegistryConfig config;
        config.listen = "127.0.0.1:0";
        config.kie_listen = "127.0.0.1:0";
        config.stop_grace = 200ms;
        config.auth = auth;
        registry_ = std::make_unique<dev_registry::DevRegistry>(ioc_, config);
        registry_->start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~Registry() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            registry_->stop();
            thread_.join();
        }
    }
    std::string sc_url() const { return "http://" + registry_->sc_address(); }
    std::string kie_url() const { return "http://" + registry_->kie_address(); }
    dev_registry::KieStore& kie() { return registry_->kie(); }

    /// A provider service of app itest in environment testing with one UP instance; its id.
    std::string add_provider(const std::string& name, const std::string& version, int port) {
        HttpTestClient sc("127.0.0.1", registry_->sc_port());
        const json service = {{"service",
                               {{"appId", "itest"},
                                {"serviceName", name},
                                {"version", version},
                                {"environment", "testing"}}}};
        const auto sid =
            sc.post("/v4/default/registry/microservices", service.dump()).json()["serviceId"];
        const json instance = {{"instance",
                                {{"hostName", "provider-host"},
                                 {"endpoints", {"rest://127.0.0.1:" + std::to_string(port)}},
                                 {"status", "UP"}}}};
        return sc
            .post("/v4/default/registry/microservices/" + sid.get<std::string>() + "/instances",
                  instance.dump())
            .json()["instanceId"]
            .get<std::string>();
    }

    /// Creates an enabled text KV for the agent's service dimension (or `labels`); its id.
    std::string put(const std::string& key, const std::string& value,
                    json labels = {
                        {"app", "itest"}, {"service", "orders"}, {"environment", "testing"}}) {
        auto created = kie().create("default", "default",
                                    {{"key", key},
                                     {"value", value},
                                     {"value_type", "text"},
                                     {"status", "enabled"},
                                     {"labels", labels}});
        if (!std::holds_alternative<dev_registry::OrderedJson>(created)) {
            throw std::runtime_error("kie create failed for " + key);
        }
        return std::get<dev_registry::OrderedJson>(created)["id"].get<std::string>();
    }
    void update(const std::string& id, const std::string& value) {
        auto updated = kie().update("default", "default", id, {{"value", value}});
        if (!std::holds_alternative<dev_registry::OrderedJson>(updated)) {
            throw std::runtime_error("kie update failed");
        }
    }

  private:
    boost::asio::io_context ioc_{1};
    std::unique_ptr<dev_registry::DevRegistry> registry_;
    std::thread thread_;
};

/// The daemon in-process with kie and an optional governance file.
class Agent {
  public:
    /// `registry_extra`: more keys of the `registry:` section, e.g. "  auth: {...}\n".
    Agent(const TempDir& dir, const Registry& registry, const std::string& governance_file = "",
          const std::string& snapshot_path = "", const std::string& registry_extra = "") {
        dir.write("services.d/orders.yaml",
                  "servicecomb:\n"
                  "  service: {app: itest, name: orders, version: 1.2.3, environment: testing}\n"
                  "  instance:\n"
                  "    endpoints: [rest://127.0.0.1:18080]\n"
                  "    healthCheck: {interval: 1, times: 3}\n");
        const auto path = dir.write(
            "agent.yaml", "registry:\n  addresses: [" + registry.sc_url() + "]\n" + registry_extra +
                              "config_center:\n  addresses: [" + registry.kie_url() +
                              "]\n"
                              "governance_file: \"" +
                              governance_file +
                              "\"\n"
                              "services: [services.d]\n"
                              "listen:\n  api: 127.0.0.1:0\n  proxy: 127.0.0.1:0\n"
                              "cache:\n  snapshot_path: \"" +
                              snapshot_path +
                              "\"\n"
                              "drain: {delay: 0s, timeout: 2s}\n"
                              "log: {level: warn}\n");
        config::Diagnostics diagnostics;
        auto loaded = config::load_config(path, diagnostics);
        if (!loaded) {
            throw std::runtime_error("config: " + diagnostics.to_string());
        }
        app::DaemonOptions options;
        options.handle_signals = false;
        options.on_started = [this](std::uint16_t port) { port_ = port; };
        daemon_ = std::make_unique<app::Daemon>(ioc_, std::move(*loaded), std::move(options));
        thread_ = std::thread([this] { daemon_->run(); });
        if (!eventually([this] { return port_.load() != 0; }, 10s)) {
            throw std::runtime_error("the agent did not start");
        }
    }
    ~Agent() {
        if (thread_.joinable()) {
            daemon_->request_stop();
            thread_.join();
        }
    }
    void reload() { daemon_->reload(); }
    /// Stops without the drain waits (the registry is gone; nothing to drain against).
    void stop_now() {
        if (thread_.joinable()) {
            daemon_->request_stop();
            daemon_->request_stop();
            thread_.join();
        }
    }
    json governance() {
        HttpTestClient client("127.0.0.1", port_);
        const auto response = client.get("/v1/agent/governance");
        return response.status == 200 ? response.json() : json();
    }
    json select(const std::string& service, const std::string& query = "") {
        HttpTestClient client("127.0.0.1", port_);
        const auto response = client.get("/v1/services/" + service + "/select" + query);
        return response.status == 200 ? response.json() : json();
    }
    std::string metrics() {
        HttpTestClient client("127.0.0.1", port_);
        return client.get("/metrics").body;
    }

  private:
    boost::asio::io_context ioc_{1};
    std::unique_ptr<app::Daemon> daemon_;
    std::thread thread_;
    std::atomic<std::uint16_t> port_{0};
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
void wait_for_polls(Registry& registry, Agent& agent) {
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
    Registry registry;
    registry.put("servicecomb.matchGroup.reads", "matches:\n  - method: [GET]\n");
    TempDir dir;
    Agent agent(dir, registry);
    ASSERT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.matchGroup.reads")["status"] == "ok";
    }));
    wait_for_polls(registry, agent);

    const auto id = registry.put("servicecomb.retry.reads", "maxAttempts: 2\n");
    const auto seen = [&](const std::string& attempts) {
        const auto item = find_item(agent.governance(), "servicecomb.retry.reads");
        return !item.is_null() && item["status"] == "ok" && item["spec"]["maxAttempts"] == attempts;
    };
    EXPECT_TRUE(eventually([&] { return seen("2"); }, kWithinOneRoundTrip));

    wait_for_polls(registry, agent);
    registry.update(id, "maxAttempts: 3\n");
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
    Registry registry("root:s3cret");
    registry.put("servicecomb.retry.reads", "maxAttempts: 2\n");
    TempDir dir;
    Agent agent(dir, registry, "", "", "  auth: {username: root, password: s3cret}\n");
    // kie answers 401 to a poll without service-center's token: the sources would stay "error".
    EXPECT_TRUE(eventually([&] {
        return find_item(agent.governance(), "servicecomb.retry.reads")["status"] == "ok";
    }));
    const auto body = agent.governance();
    for (const auto* name : {"app", "service", "version"}) {
        EXPECT_EQ(find_source(body, name)["state"], "ok") << find_source(body, name).dump();
    }
}

TEST(GovernanceIntegration, EveryLocalServicesDimensionsArePolled) {
    Registry registry;
    registry.put("servicecomb.loadbalance.billing", "rule: Random\n",
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
    Registry registry;
    registry.put("servicecomb.retry.r", "maxAttempts: 1\n",
                 {{"app", "itest"}, {"environment", "testing"}});
    registry.put("servicecomb.retry.r", "maxAttempts: 4\n",
                 {{"app", "itest"},
                  {"service", "orders"},
                  {"environment", "testing"},
                  {"version", "1.2.3"}});
    registry.put("servicecomb.retry.other-env", "maxAttempts: 1\n",
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
    Registry registry;
    TempDir dir;
    Agent agent(dir, registry);
    wait_for_polls(registry, agent);
    registry.put("servicecomb.rateLimiting.bad", "rate: -5\n");
    registry.put("servicecomb.rateLimiting.good", "rate: 50\n");
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
              json::array({{{"name", "good"}, {"order", 0}, {"status", "parsed, not enforced"}}}));
    const auto text = agent.metrics();
    EXPECT_NE(text.find("sc_agent_governance_items{kind=\"rateLimiting\",status=\"rejected\"} 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("sc_agent_governance_items{kind=\"rateLimiting\",status=\"loaded\"} 1"),
              std::string::npos);
}

TEST(GovernanceIntegration, KieStoppedKeepsTheLastGoodSnapshot) {
    Registry registry;
    registry.put("servicecomb.retry.kept", "maxAttempts: 2\n");
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
    Registry registry;
    registry.put("servicecomb.retry.kept", "maxAttempts: 2\n");
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
    Registry registry;
    const auto v1 = registry.add_provider("inventory", "1.0.0", 19101);
    const auto v2 = registry.add_provider("inventory", "2.0.0", 19102);
    registry.put("servicecomb.routeRule.inventory",
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
    Registry registry;
    const auto v1 = registry.add_provider("inventory", "1.0.0", 19103);
    const auto v2 = registry.add_provider("inventory", "2.0.0", 19104);
    registry.put("servicecomb.routeRule.inventory",
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
    Registry registry;
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
