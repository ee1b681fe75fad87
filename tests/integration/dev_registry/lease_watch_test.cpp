// Leases on a fake clock and the watch websocket (spec §1.4.4, §1.4.11).
#include "tests/integration/dev_registry/registry_fixture.hpp"
#include "tests/support/ws_test_client.hpp"

namespace scagent::dev_registry {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

class LeaseWatchTest : public RegistryFixture {
  protected:
    void configure(DevRegistryConfig& config) override {
        config.watch_ping_interval = std::chrono::milliseconds(200);
    }
    /// Consumer + provider; the consumer's find records the dependency that drives pushes.
    void make_dependency() {
        consumer_ = create_service(R"({"serviceName":"consumer","version":"1.0.0"})");
        provider_ = create_service(R"({"serviceName":"provider","version":"1.0.0"})");
        ASSERT_EQ(sc_->get("/v4/default/registry/instances?appId=default&serviceName=provider",
                           {{"X-ConsumerId", consumer_}})
                      .status,
                  200u);
    }
    std::string watch_path(const std::string& sid) {
        return "/v4/default/registry/microservices/" + sid + "/watcher";
    }
    std::string provider_find() {
        return "/v4/default/registry/instances?appId=default&serviceName=provider";
    }

    std::string consumer_;
    std::string provider_;
};

TEST_F(LeaseWatchTest, LeaseExpiryOnTheFakeClockEmitsDeleteOnTheWatchSocket) {
    make_dependency();
    const auto iid = register_instance(
        provider_, R"({"hostName":"h","healthCheck":{"mode":"push","interval":10,"times":3}})");
    const auto rev = sc_->get(provider_find()).header("x-resource-revision");
    test::WsTestClient ws;
    ASSERT_EQ(ws.connect("127.0.0.1", registry_->sc_port(), watch_path(consumer_)), "");
    ASSERT_TRUE(test::eventually([&] { return registry_->watcher_count() == 1; }));

    // TTL = 10 x (3 + 1) = 40 s. Just before it nothing happens, even after a sweep.
    clock_.advance(seconds(39));
    EXPECT_EQ(registry_->sweep_now(), 0u);
    clock_.advance(seconds(1));
    EXPECT_EQ(registry_->sweep_now(), 1u);

    auto frame = ws.read();
    ASSERT_TRUE(frame.has_value());
    auto event = Json::parse(*frame);
    EXPECT_EQ(event["action"], "DELETE");
    EXPECT_EQ(event["key"], (Json{{"tenant", "default/default"},
                                  {"appId", "default"},
                                  {"serviceName", "provider"},
                                  {"version", "1.0.0"}}));
    EXPECT_EQ(event["instance"]["instanceId"], iid);

    // Gone for discovery (new revision) and for its heartbeat.
    auto after = sc_->get(provider_find() + "&rev=" + rev);
    EXPECT_EQ(after.status, 200u);
    EXPECT_EQ(after.body, "{}");
    expect_sc_error(sc_->put("/v4/default/registry/microservices/" + provider_ + "/instances/" +
                             iid + "/heartbeat"),
                    400, "400017", "Instance does not exist");
}

TEST_F(LeaseWatchTest, HeartbeatsRenewTheLeaseAndTtlFollowsTheSpecFormula) {
    make_dependency();
    // interval 1 is raised to 5 and times 0 to 3: TTL 20 s. No healthCheck: 120 s.
    const auto fast = register_instance(
        provider_, R"({"hostName":"f","healthCheck":{"mode":"push","interval":1,"times":0}})");
    const auto plain = register_instance(provider_, R"({"hostName":"p"})");
    auto stored = sc_->get("/v4/default/registry/microservices/" + provider_ + "/instances/" + fast)
                      .json()["instance"]["healthCheck"];
    EXPECT_EQ(stored, (Json{{"mode", "push"}, {"interval", 5}, {"times", 3}}));
    const std::string hb =
        "/v4/default/registry/microservices/" + provider_ + "/instances/" + fast + "/heartbeat";
    for (int i = 0; i < 5; ++i) {
        clock_.advance(seconds(15));
        ASSERT_EQ(sc_->put(hb).status, 200u) << "heartbeat " << i;
    }
    // 75 s have passed: `fast` lived on heartbeats; `plain` (120 s) is still there too.
    EXPECT_EQ(registry_->sweep_now(), 0u);
    clock_.advance(seconds(46));  // 121 s since `plain` registered, 46 s since fast's heartbeat
    EXPECT_EQ(registry_->sweep_now(), 2u);
    (void)plain;
}

TEST_F(LeaseWatchTest, WatchPushesCreateUpdateDeleteOnlyToDependentConsumers) {
    make_dependency();
    const auto stranger = create_service(R"({"serviceName":"stranger","version":"1.0.0"})");
    test::WsTestClient ws;
    test::WsTestClient other;
    ASSERT_EQ(ws.connect("127.0.0.1", registry_->sc_port(), watch_path(consumer_)), "");
    ASSERT_EQ(other.connect("127.0.0.1", registry_->sc_port(), watch_path(stranger)), "");
    ASSERT_TRUE(test::eventually([&] { return registry_->watcher_count() == 2; }));
    const auto iid = register_instance(provider_, R"({"hostName":"h"})");
    const std::string base =
        "/v4/default/registry/microservices/" + provider_ + "/instances/" + iid;
    sc_->put(base + "/status?value=DOWN");
    sc_->del(base);
    std::vector<std::string> actions;
    for (int i = 0; i < 3; ++i) {
        auto frame = ws.read();
        ASSERT_TRUE(frame.has_value()) << "frame " << i;
        actions.push_back(Json::parse(*frame)["action"]);
    }
    EXPECT_EQ(actions, (std::vector<std::string>{"CREATE", "UPDATE", "DELETE"}));
    EXPECT_FALSE(other.read(std::chrono::milliseconds(300)).has_value());
    // The server pings on its interval (200 ms here).
    EXPECT_TRUE(test::eventually([&] { return ws.pings_received() > 0; }));
}

TEST_F(LeaseWatchTest, WatchingAnUnknownServiceSendsTheErrorTextAndCloses) {
    test::WsTestClient ws;
    ASSERT_EQ(ws.connect("127.0.0.1", registry_->sc_port(), watch_path("no-such-service")), "");
    auto frame = ws.read();
    ASSERT_TRUE(frame.has_value());
    EXPECT_NE(frame->find("service does not exist"), std::string::npos);
    EXPECT_TRUE(ws.wait_closed());
}

TEST_F(LeaseWatchTest, SteadyStateTrafficIsHeartbeatsAnd304s) {
    make_dependency();
    const auto iid = register_instance(provider_, R"({"hostName":"h"})");
    const auto rev = sc_->get(provider_find()).header("x-resource-revision");
    const auto before = registry_->sc_route_counts();
    const std::string hb =
        "/v4/default/registry/microservices/" + provider_ + "/instances/" + iid + "/heartbeat";
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(sc_->put(hb).status, 200u);
        EXPECT_EQ(sc_->get(provider_find() + "&rev=" + rev).status, 304u);
    }
    auto after = registry_->sc_route_counts();
    const auto find = "GET /v4/{project}/registry/instances";
    const auto beat =
        "PUT /v4/{project}/registry/microservices/{serviceId}/instances/{instanceId}/heartbeat";
    const auto count = [](const std::map<std::string, net::RouteCounts>& counts,
                          const std::string& route, unsigned status) -> std::uint64_t {
        auto it = counts.find(route);
        if (it == counts.end()) {
            return 0;
        }
        auto s = it->second.by_status.find(status);
        return s == it->second.by_status.end() ? 0 : s->second;
    };
    EXPECT_EQ(count(after, find, 304) - count(before, find, 304), 3u);
    EXPECT_EQ(count(after, find, 200), count(before, find, 200));
    EXPECT_EQ(count(after, beat, 200) - count(before, beat, 200), 3u);
}

}  // namespace
}  // namespace scagent::dev_registry
