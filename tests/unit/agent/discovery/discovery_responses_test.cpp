#include <gtest/gtest.h>

#include "agent/api/discovery_responses.hpp"
#include "agent/discovery/instance_cache.hpp"
#include "discovery_test_support.hpp"
#include "plugins/api/fake_clock.hpp"

namespace scagent::api {
namespace {

using namespace discovery::test_support;  // NOLINT: the test helpers
using nlohmann::json;

class DiscoveryResponsesTest : public ::testing::Test {
  protected:
    DiscoveryResponsesTest() {
        cache_.track(kCart);
        auto result = live({"a", "b"}, "rev-7");
        result.instances[1].version = "2.0.0";
        result.instances[1].properties["canary"] = "true";
        result.data_centers = {{"dc1", "r1", "az1"}, {"dc1", "r1", "az2"}};
        cache_.apply_live_result(kCart, result);
        clock_.advance(std::chrono::milliseconds(12'900));
        cache_.mark_failure(kCart);
    }

    plugins::FakeClock clock_;
    discovery::InstanceCache cache_{clock_};
};

TEST_F(DiscoveryResponsesTest, InstancesAnswerHasTheDocumentedShape) {
    auto set = cache_.get(kCart).set;
    auto answer = instances_answer(*set, {}, clock_.now());
    json expected = {
        {"app", "shop"},
        {"service", "cart"},
        {"env", ""},
        {"revision", "rev-7"},
        {"source", "cache"},
        {"ageSeconds", 12},
        {"index", set->index},
        {"instances",
         {{{"instanceId", "a"},
           {"serviceId", "svc-1.0.0"},
           {"version", "1.0.0"},
           {"endpoints", {"highway://10.0.0.1:7070", "rest://10.0.0.1:8080?sslEnabled=false"}},
           {"host", "10.0.0.1"},
           {"port", 8080},
           {"status", "UP"},
           {"properties", {{"zone", "az1"}}},
           {"dataCenterInfo", {{"name", "dc1"}, {"region", "r1"}, {"availableZone", "az1"}}}},
          {{"instanceId", "b"},
           {"serviceId", "svc-1.0.0"},
           {"version", "2.0.0"},
           {"endpoints", {"highway://10.0.0.1:7070", "rest://10.0.0.1:8080?sslEnabled=false"}},
           {"host", "10.0.0.1"},
           {"port", 8080},
           {"status", "UP"},
           {"properties", {{"canary", "true"}, {"zone", "az1"}}},
           {"dataCenterInfo", {{"name", "dc1"}, {"region", "r1"}, {"availableZone", "az2"}}}}}}};
    EXPECT_EQ(answer, expected) << answer.dump(2);
}

TEST_F(DiscoveryResponsesTest, FiltersApplyAndDataCentersFollowTheirInstance) {
    auto set = cache_.get(kCart).set;
    plugins::discovery::InstanceFilter filter;
    filter.version = plugins::discovery::parse_version_rule("latest").rule;
    auto answer = instances_answer(*set, filter, clock_.now());
    ASSERT_EQ(answer["instances"].size(), 1u);
    EXPECT_EQ(answer["instances"][0]["instanceId"], "b");
    EXPECT_EQ(answer["instances"][0]["dataCenterInfo"]["availableZone"], "az2");
    filter.tags = plugins::discovery::parse_tag_filter("canary:false").filter;
    EXPECT_EQ(instances_answer(*set, filter, clock_.now())["instances"], json::array());
}

TEST_F(DiscoveryResponsesTest, SelectAnswerCarriesOneInstance) {
    auto set = cache_.get(kCart).set;
    auto answer = select_answer(*set, set->set->instances[1], clock_.now());
    EXPECT_EQ(answer["instance"]["instanceId"], "b");
    EXPECT_EQ(answer["instance"]["dataCenterInfo"]["availableZone"], "az2");
    EXPECT_EQ(answer["source"], "cache");
    EXPECT_FALSE(answer.contains("instances"));
}

TEST(DiscoveryErrors, BodiesAndStatuses) {
    EXPECT_EQ(
        error_body(bad_request("version", "invalid version rule \"x\"")),
        R"({"error":{"code":"BAD_REQUEST","message":"version: invalid version rule \"x\""}})");
    EXPECT_EQ(bad_request("wait", "too long").status, 400u);
    auto not_found = service_not_found(kStock);
    EXPECT_EQ(not_found.status, 404u);
    EXPECT_EQ(not_found.code, "SERVICE_NOT_FOUND");
    EXPECT_EQ(not_found.message,
              "service \"stock\" of app \"shop\" in environment \"production\" is not registered "
              "(check the name, the app= parameter and env=)");
    auto down = registry_unavailable(kCart);
    EXPECT_EQ(down.status, 503u);
    EXPECT_EQ(error_body(down),
              R"({"error":{"code":"REGISTRY_UNAVAILABLE","message":"the registry cannot be )"
              R"(reached and nothing is cached for shop/cart; retry later"}})");
    auto none = no_instance(kCart, "version=2.0.0+");
    EXPECT_EQ(none.status, 503u);
    EXPECT_EQ(none.code, "NO_INSTANCE");
    EXPECT_EQ(none.message, "no available instance of shop/cart matching version=2.0.0+");
}

TEST_F(DiscoveryResponsesTest, RenderedAnswerEqualsTheJsonAnswer) {
    auto set = cache_.get(kCart).set;
    ASSERT_TRUE(set->rendered);
    for (const char* version : {"", "latest", "1.0.0", "3.0.0+"}) {
        plugins::discovery::InstanceFilter filter;
        filter.version = plugins::discovery::parse_version_rule(version).rule;
        auto text = render_instances_answer(*set, filter, clock_.now());
        EXPECT_EQ(json::parse(text), instances_answer(*set, filter, clock_.now())) << version;
        EXPECT_EQ(text, instances_answer(*set, filter, clock_.now()).dump()) << version;
    }
}

TEST_F(DiscoveryResponsesTest, RenderingSurvivesInvalidUtf8FromTheRegistry) {
    auto result = live({"bad"}, "rev-8");
    result.instances[0].properties["note"] = "\xff\xfe";
    cache_.apply_live_result(kCart, result);
    auto set = cache_.get(kCart).set;
    auto text = render_instances_answer(*set, {}, clock_.now());
    EXPECT_FALSE(json::parse(text, nullptr, /*allow_exceptions=*/false).is_discarded());
}

}  // namespace
}  // namespace scagent::api
