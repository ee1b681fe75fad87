// Replays the user's API reference (REF §4.1, §7.3, §7.5) against the dev registry over HTTP.
// Where REF (Huawei CSE) and Apache SC differ, the Apache behaviour of spec §1 is asserted.
#include "tests/integration/dev_registry/registry_fixture.hpp"

namespace scagent::dev_registry {
namespace {

using Json = nlohmann::json;
const std::map<std::string, std::string> kDomain = {{"x-domain-name", "default"}};

class ScContractTest : public RegistryFixture {
  protected:
    void configure(DevRegistryConfig& config) override {
        config.store.self_version = "2.4.8";  // the SC release REF §7.3.1 shows
    }
};

// REF §4.1 Steps 1-4, verbatim bodies (including the reference's "appld" typo).
TEST_F(ScContractTest, Ref41RegistryAndDiscoveryWalkThrough) {
    auto step1 = sc_->post("/v4/default/registry/microservices", R"({
  "service": {
    "serviceName": "my-provider",
    "appld": "default",
    "version": "1.0.0",
    "description": "test",
    "level": "MIDDLE",
    "status": "UP"
  }
})",
                           kDomain);
    ASSERT_EQ(step1.status, 200u) << step1.body;
    const std::string provider = step1.json()["serviceId"];
    // Apache: sha1 of the index key; "appld" is an unknown field, so appId defaults to
    // "default". (CSE returned 918282e8..., which no Apache key reproduces: spec §7.)
    EXPECT_EQ(provider, "8c4bfe2beadd0aef5d17c10fd3aeadf435350575");

    auto step2 = sc_->post("/v4/default/registry/microservices/" + provider + "/instances", R"({
  "instance": {
    "hostName": "test",
    "endpoints": [
      "rest:127.0.0.1:8080"
    ],
    "status": "UP",
    "healthCheck": {
      "mode": "push",
      "interval": 900,
      "times": 3
    }
  }
})",
                           kDomain);
    ASSERT_EQ(step2.status, 200u) << step2.body;
    const std::string instance = step2.json()["instanceId"];
    EXPECT_EQ(instance.size(), 32u);
    EXPECT_EQ(instance.find_first_not_of("0123456789abcdef"), std::string::npos);

    auto step3 = sc_->post("/v4/default/registry/microservices", R"({
  "service": {
    "serviceName": "my-consumer",
    "appId": "default",
    "version": "1.0.0",
    "description": "test",
    "level": "MIDDLE",
    "status": "UP"
  }
})",
                           kDomain);
    ASSERT_EQ(step3.status, 200u);
    const std::string consumer = step3.json()["serviceId"];
    EXPECT_EQ(consumer, "4be5b43901460240e1dc372f31c9cbb0cf0c727b");

    auto step4 = sc_->get(
        "/v4/default/registry/instances?appId=default&serviceName=my-provider&version=0.0.0%2B",
        {{"x-domain-name", "default"}, {"X-ConsumerId", consumer}});
    ASSERT_EQ(step4.status, 200u) << step4.body;
    EXPECT_FALSE(step4.header("x-resource-revision").empty());
    auto found = step4.json()["instances"];
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0]["instanceId"], instance);
    EXPECT_EQ(found[0]["serviceId"], provider);
    EXPECT_EQ(found[0]["endpoints"], Json::array({"rest:127.0.0.1:8080"}));
    EXPECT_EQ(found[0]["hostName"], "test");
    EXPECT_EQ(found[0]["status"], "UP");
    EXPECT_EQ(found[0]["version"], "1.0.0");
    // Apache keeps interval 900 (CSE showed 150: spec §7 "interval clamping").
    EXPECT_EQ(found[0]["healthCheck"], (Json{{"mode", "push"}, {"interval", 900}, {"times", 3}}));
    EXPECT_TRUE(found[0]["timestamp"].is_string());
    EXPECT_EQ(found[0]["timestamp"], found[0]["modTimestamp"]);
}

// Spec §1.4.1: the two ids REF shows are reproduced exactly.
TEST_F(ScContractTest, ReproducesTheReferenceServiceIds) {
    // REF §7.3.4: test/1.0.0 in app default, no environment.
    auto r = sc_->post("/v4/default/registry/microservices", R"({
  "service": {"appId": "default", "serviceName": "test", "version": "1.0.0",
              "description": "this is a test"},
  "rules": [{"ruleType": "WHITE", "attribute": "tag_123", "pattern": "aaa"}],
  "instances": [{"hostName": "instanceTest", "endpoints": ["rest:127.0.0.1:8080"]}],
  "tags": {"test_tag1": "test_tag1", "test_tag2": "test_tag2", "test_tag3": "test_tag3"}
})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["serviceId"], "8aed80ea052ac04a64dfc79c24f2170224d074f5");
    // The instances in the create call were registered with it.
    auto list = sc_->get(
        "/v4/default/registry/microservices/"
        "8aed80ea052ac04a64dfc79c24f2170224d074f5/instances");
    ASSERT_EQ(list.json()["instances"].size(), 1u);
    EXPECT_EQ(list.json()["instances"][0]["hostName"], "instanceTest");
    // Tags filter discovery: every listed tag key must be present.
    EXPECT_EQ(sc_->get("/v4/default/registry/instances?appId=default&serviceName=test&tags="
                       "test_tag1,test_tag2")
                  .json()["instances"]
                  .size(),
              1u);
    EXPECT_EQ(
        sc_->get("/v4/default/registry/instances?appId=default&serviceName=test&tags=nope").body,
        "{}");

    // REF §7.3.1: SERVICECENTER 2.4.8 in development — the dev registry's own record.
    auto sc =
        sc_->get("/v4/default/registry/microservices/819706e21b7173306797d19922ce4231441c17c5");
    ASSERT_EQ(sc.status, 200u) << sc.body;
    auto service = sc.json()["service"];
    EXPECT_EQ(service["serviceName"], "SERVICECENTER");
    EXPECT_EQ(service["appId"], "default");
    EXPECT_EQ(service["version"], "2.4.8");
    EXPECT_EQ(service["level"], "BACK");
    EXPECT_EQ(service["environment"], "development");
    EXPECT_EQ(service["properties"]["allowCrossApp"], "true");
}

TEST_F(ScContractTest, CreateIsIdempotentAndOnlyAnExplicitConflictingIdIs400010) {
    const auto body = R"({"service":{"serviceName":"svc","version":"1.0.0"}})";
    auto first = sc_->post("/v4/default/registry/microservices", body);
    auto second = sc_->post("/v4/default/registry/microservices", body);
    EXPECT_EQ(first.status, 200u);
    EXPECT_EQ(second.status, 200u);
    EXPECT_EQ(first.json()["serviceId"], second.json()["serviceId"]);
    const std::string sid = first.json()["serviceId"];
    EXPECT_EQ(sc_->post("/v4/default/registry/microservices",
                        R"({"service":{"serviceId":")" + sid +
                            R"(","serviceName":"svc","version":"1.0.0"}})")
                  .status,
              200u);
    auto conflict = sc_->post("/v4/default/registry/microservices",
                              R"({"service":{"serviceId":"other","serviceName":"svc",
                                 "version":"1.0.0"}})");
    expect_sc_error(conflict, 400, "400010", "Micro-service already exists");
    EXPECT_EQ(conflict.json()["detail"],
              "ServiceID conflict or found the same service with different id.");
    // Defaults of SetServiceDefaultValue; environment stays empty and is omitted.
    auto got = sc_->get("/v4/default/registry/microservices/" + sid).json()["service"];
    EXPECT_EQ(got["appId"], "default");
    EXPECT_EQ(got["level"], "BACK");
    EXPECT_EQ(got["status"], "UP");
    EXPECT_FALSE(got.contains("environment"));
}

// REF §7.3.7 and spec §1.4.2.
TEST_F(ScContractTest, ExistenceDistinguishesMissingNameFromMissingVersion) {
    const auto sid = create_service(R"({"appId":"default","serviceName":"service",
                                        "version":"1.0.0"})");
    auto ok = sc_->get(
        "/v4/default/registry/existence?type=microservice&appId=default&"
        "serviceName=service&version=1.0.0");
    EXPECT_EQ(ok.status, 200u);
    EXPECT_EQ(ok.json()["serviceId"], sid);
    expect_sc_error(sc_->get("/v4/default/registry/existence?type=microservice&appId=default&"
                             "serviceName=other&version=1.0.0"),
                    400, "400012", "Micro-service does not exist");
    expect_sc_error(sc_->get("/v4/default/registry/existence?type=microservice&appId=default&"
                             "serviceName=service&version=2.0.0"),
                    400, "400026", "Micro-service version does not exist");
    expect_sc_error(sc_->get("/v4/default/registry/existence?type=bogus"), 400, "400001",
                    "Invalid parameter(s)");
}

// REF §7.5.1-7.5.7 request examples.
TEST_F(ScContractTest, Ref75InstanceLifecycle) {
    const auto sid = create_service(R"({"serviceName":"test","version":"1.0.0"})");
    auto reg = sc_->post("/v4/default/registry/microservices/" + sid + "/instances", R"({
  "instance": {
    "endpoints": [ "grpc://127.0.1.312:9980", "rest://127.0.0.111:8081" ],
    "hostName": "localhost",
    "status": "UP",
    "properties": {"_TAGS": "A, B", "attr1": "a", "nodeIP": "127.0.0.1"},
    "dataCenterInfo": {"name": "dc", "region": "r1", "availableZone": "az1"},
    "healthCheck": {"mode": "push", "interval": 30, "times": 3}
  }
})");
    ASSERT_EQ(reg.status, 200u) << reg.body;
    const std::string iid = reg.json()["instanceId"];
    const std::string base = "/v4/default/registry/microservices/" + sid + "/instances/" + iid;

    auto one = sc_->get(base);
    ASSERT_EQ(one.status, 200u);
    auto inst = one.json()["instance"];
    EXPECT_EQ(inst["dataCenterInfo"]["availableZone"], "az1");
    EXPECT_EQ(inst["properties"]["attr1"], "a");
    EXPECT_EQ(inst["version"], "1.0.0");

    // §7.5.5 properties replace the map; §7.5.6 status; both answer a bodyless text/plain 200.
    auto props = sc_->put(base + "/properties", R"({"properties":{"attr2":"b"}})");
    EXPECT_EQ(props.status, 200u);
    EXPECT_EQ(props.body, "");
    EXPECT_EQ(props.header("content-type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(sc_->get(base).json()["instance"]["properties"], (Json{{"attr2", "b"}}));
    EXPECT_EQ(sc_->put(base + "/status?value=DOWN").status, 200u);
    EXPECT_EQ(sc_->get(base).json()["instance"]["status"], "DOWN");
    expect_sc_error(sc_->put(base + "/status?value=SLEEPING"), 400, "400001",
                    "Invalid parameter(s)");

    // §7.5.7 heartbeat, then §7.5.3 deregister; afterwards both are 400017.
    auto hb = sc_->put(base + "/heartbeat");
    EXPECT_EQ(hb.status, 200u);
    EXPECT_EQ(hb.body, "");
    EXPECT_EQ(sc_->del(base).status, 200u);
    expect_sc_error(sc_->put(base + "/heartbeat"), 400, "400017", "Instance does not exist");
    expect_sc_error(sc_->del(base), 400, "400017", "Instance does not exist");
    expect_sc_error(sc_->get(base), 400, "400017", "Instance does not exist");
}

TEST_F(ScContractTest, SuppliedLiveInstanceIdIsReused) {
    const auto sid = create_service(R"({"serviceName":"reuse","version":"1.0.0"})");
    const auto iid = register_instance(sid, R"({"instanceId":"my-id-1","hostName":"h"})");
    EXPECT_EQ(iid, "my-id-1");
    EXPECT_EQ(register_instance(sid, R"({"instanceId":"my-id-1","hostName":"changed"})"),
              "my-id-1");
    auto list = sc_->get("/v4/default/registry/microservices/" + sid + "/instances").json();
    ASSERT_EQ(list["instances"].size(), 1u);
    EXPECT_EQ(list["instances"][0]["hostName"], "h");  // data unchanged on reuse
}

// REF §7.5.8 and spec §1.4.7: all versions, revision header, 304, 400012.
TEST_F(ScContractTest, FindReturnsAllVersionsWithRevisionAnd304) {
    const auto v1 = create_service(R"({"serviceName":"test","version":"1.0.0"})");
    const auto v2 = create_service(R"({"serviceName":"test","version":"2.0.0"})");
    register_instance(v1, R"({"hostName":"a","endpoints":["rest://127.0.0.1:1"]})");
    const auto i2 = register_instance(v2, R"({"hostName":"b","status":"STARTING"})");
    const std::string target = "/v4/default/registry/instances?appId=default&serviceName=test";
    auto first = sc_->get(target + "&version=latest");
    ASSERT_EQ(first.status, 200u);
    EXPECT_EQ(first.json()["instances"].size(), 2u);  // version= is ignored
    const auto rev = first.header("x-resource-revision");
    ASSERT_FALSE(rev.empty());

    auto same = sc_->get(target + "&rev=" + rev);
    EXPECT_EQ(same.status, 304u);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(same.header("x-resource-revision"), rev);

    // Heartbeats do not change the revision; a status change does.
    sc_->put("/v4/default/registry/microservices/" + v2 + "/instances/" + i2 + "/heartbeat");
    EXPECT_EQ(sc_->get(target + "&rev=" + rev).status, 304u);
    sc_->put("/v4/default/registry/microservices/" + v2 + "/instances/" + i2 + "/status?value=UP");
    auto changed = sc_->get(target + "&rev=" + rev);
    EXPECT_EQ(changed.status, 200u);
    EXPECT_NE(changed.header("x-resource-revision"), rev);

    expect_sc_error(sc_->get("/v4/default/registry/instances?appId=default&serviceName=nobody"),
                    400, "400012", "Micro-service does not exist");
    expect_sc_error(sc_->get(target, {{"X-ConsumerId", "ghost"}}), 400, "400012",
                    "Micro-service does not exist");
    expect_sc_error(sc_->get("/v4/default/registry/instances?appId=bad!app&serviceName=x"), 400,
                    "400001", "Invalid parameter(s)");
}

// REF §7.5.9 example, and spec §1.4.8 notModified / failed.
TEST_F(ScContractTest, Ref759BatchFind) {
    const auto sid = create_service(R"({"serviceName":"test","version":"1.0.0"})");
    const auto iid = register_instance(sid, R"({"hostName":"hostNameTest",
                                                "endpoints":["rest:127.0.0.1:8080"]})");
    const std::string body = R"({"services":[{"service":{"environment":"","appId":"default",
        "serviceName":"test"},"rev":"0"},{"service":{"appId":"default","serviceName":"nope"}}],
        "instances":[{"instance":{"serviceId":")" +
                             sid + R"(","instanceId":")" + iid + R"("}}]})";
    auto r = sc_->post("/v4/default/registry/instances/action?type=query", body);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto json = r.json();
    auto updated = json["services"]["updated"];
    ASSERT_EQ(updated.size(), 1u);
    EXPECT_EQ(updated[0]["index"], 0);
    EXPECT_EQ(updated[0]["instances"][0]["instanceId"], iid);
    EXPECT_EQ(json["services"]["failed"][0]["indexes"], Json::array({1}));
    EXPECT_EQ(json["services"]["failed"][0]["error"]["errorCode"], "400012");
    EXPECT_EQ(json["instances"]["updated"][0]["instances"][0]["instanceId"], iid);

    const std::string rev = updated[0]["rev"];
    auto again = sc_->post("/v4/default/registry/instances/action?type=query",
                           R"({"services":[{"service":{"appId":"default","serviceName":"test"},
                               "rev":")" +
                               rev + R"("}]})");
    EXPECT_EQ(again.json()["services"]["notModified"], Json::array({0}));
    expect_sc_error(sc_->post("/v4/default/registry/instances/action?type=query", "{}"), 400,
                    "400001", "Invalid parameter(s)");
    expect_sc_error(sc_->post("/v4/default/registry/instances/action?type=other", body), 400,
                    "400001", "Invalid parameter(s)");
}

TEST_F(ScContractTest, BatchHeartbeatReportsFailuresPerItem) {
    const auto sid = create_service(R"({"serviceName":"hb","version":"1.0.0"})");
    const auto iid = register_instance(sid, R"({"hostName":"h"})");
    auto r = sc_->put("/v4/default/registry/heartbeats",
                      R"({"instances":[{"serviceId":")" + sid + R"(","instanceId":")" + iid +
                          R"("},{"serviceId":")" + sid + R"(","instanceId":"gone"},
                          {"serviceId":")" +
                          sid + R"(","instanceId":")" + iid + R"("}]})");
    ASSERT_EQ(r.status, 200u) << r.body;
    auto items = r.json()["instances"];
    ASSERT_EQ(items.size(), 2u);  // the duplicate is ignored
    EXPECT_FALSE(items[0].contains("errMessage"));
    EXPECT_EQ(items[1]["errMessage"], "Instance does not exist(instance not exist)");
    expect_sc_error(sc_->put("/v4/default/registry/heartbeats", R"({"instances":[]})"), 400,
                    "400001", "Invalid parameter(s)");
}

TEST_F(ScContractTest, DeleteNeedsForceWhileInstancesExist) {
    const auto sid = create_service(R"({"serviceName":"del","version":"1.0.0"})");
    register_instance(sid, R"({"hostName":"h"})");
    expect_sc_error(sc_->del("/v4/default/registry/microservices/" + sid), 400, "400013",
                    "Micro-service has deployed instance(s)");
    EXPECT_EQ(sc_->del("/v4/default/registry/microservices/" + sid + "?force=1").status, 200u);
    expect_sc_error(sc_->get("/v4/default/registry/microservices/" + sid), 400, "400012",
                    "Micro-service does not exist");
    const auto self =
        "/v4/default/registry/microservices/"
        "819706e21b7173306797d19922ce4231441c17c5?force=true";
    expect_sc_error(sc_->del(self), 400, "400001", "Invalid parameter(s)");
}

// REF §7.3.6 and spec §1.4.3: properties replace the whole map.
TEST_F(ScContractTest, ServicePropertiesAreReplaced) {
    const auto sid = create_service(R"({"serviceName":"p","version":"1.0.0",
                                        "properties":{"old":"x"}})");
    EXPECT_EQ(sc_->put("/v4/default/registry/microservices/" + sid + "/properties",
                       R"({"properties":{"a":"test"}})")
                  .status,
              200u);
    auto got = sc_->get("/v4/default/registry/microservices/" + sid).json()["service"];
    EXPECT_EQ(got["properties"], (Json{{"a", "test"}}));
    auto list = sc_->get("/v4/default/registry/microservices").json()["services"];
    EXPECT_EQ(list.size(), 2u);  // SERVICECENTER and p
}

// Spec §1.5: the access filter applies only with X-ConsumerId.
TEST_F(ScContractTest, CrossAppNeedsAllowCrossAppAndDependenciesFeedProviders) {
    const auto consumer = create_service(R"({"appId":"a1","serviceName":"c","version":"1.0.0"})");
    const auto closed = create_service(R"({"appId":"a2","serviceName":"p","version":"1.0.0"})");
    const auto open = create_service(R"({"appId":"a2","serviceName":"q","version":"1.0.0",
                                         "properties":{"allowCrossApp":"TRUE"}})");
    register_instance(closed, R"({"hostName":"h"})");
    register_instance(open, R"({"hostName":"h"})");
    const std::map<std::string, std::string> as_consumer = {{"X-ConsumerId", consumer}};
    EXPECT_EQ(sc_->get("/v4/default/registry/instances?appId=a2&serviceName=p", as_consumer).body,
              "{}");
    EXPECT_EQ(sc_->get("/v4/default/registry/instances?appId=a2&serviceName=q", as_consumer)
                  .json()["instances"]
                  .size(),
              1u);
    EXPECT_EQ(sc_->get("/v4/default/registry/instances?appId=a2&serviceName=p")
                  .json()["instances"]
                  .size(),
              1u);
    auto providers =
        sc_->get("/v4/default/registry/microservices/" + consumer + "/providers").json();
    EXPECT_EQ(providers["providers"].size(), 2u);
    // SERVICECENTER is global: found from any app's consumer and any environment.
    const auto prod = create_service(R"({"appId":"a1","serviceName":"z","version":"1.0.0",
                                         "environment":"production"})");
    EXPECT_EQ(sc_->get("/v4/default/registry/instances?appId=default&serviceName=SERVICECENTER",
                       {{"X-ConsumerId", prod}})
                  .json()["instances"]
                  .size(),
              1u);
}

TEST_F(ScContractTest, HealthVersionAndReadiness) {
    auto health = sc_->get("/v4/default/registry/health");
    ASSERT_EQ(health.status, 200u);
    auto instances = health.json()["instances"];
    ASSERT_EQ(instances.size(), 1u);
    EXPECT_EQ(instances[0]["endpoints"][0], "rest://" + registry_->sc_address() + "/");
    auto version = sc_->get("/v4/default/registry/version").json();
    EXPECT_EQ(version["apiVersion"], "4.0.0");
    EXPECT_EQ(version["version"], "2.4.8");
    EXPECT_EQ(sc_->get("/v4/default/registry/health/readiness").status, 200u);
}

TEST_F(ScContractTest, ValidationRulesOfSpec13) {
    const auto post = [&](const std::string& service) {
        return sc_->post("/v4/default/registry/microservices", R"({"service":)" + service + "}");
    };
    for (const auto* bad :
         {R"({"serviceName":"","version":"1.0.0"})", R"({"serviceName":"-x","version":"1.0.0"})",
          R"({"serviceName":"x","version":"1.0.0.0.0"})",
          R"({"serviceName":"x","version":"1.32768"})",
          R"({"serviceName":"x","version":"1.0","environment":"prod"})",
          R"({"serviceName":"x","version":"1.0","level":"TOP"})",
          R"({"serviceName":"x","version":"1.0","schemas":["bad schema"]})",
          R"({"serviceName":"x","version":1})"}) {
        expect_sc_error(post(bad), 400, "400001", "Invalid parameter(s)");
    }
    const auto sid = create_service(R"({"serviceName":"v","version":"1.0.0"})");
    const auto reg = [&](const std::string& inst) {
        return sc_->post("/v4/default/registry/microservices/" + sid + "/instances",
                         R"({"instance":)" + inst + "}");
    };
    for (const auto* bad :
         {R"({"hostName":""})", R"({"hostName":"   "})", R"({"hostName":"h","status":"SLEEP"})",
          R"({"hostName":"h","endpoints":[" "]})",
          R"({"hostName":"h","healthCheck":{"mode":"poll","interval":3}})",
          R"({"hostName":"h","healthCheck":{"mode":"push","interval":0}})",
          R"({"hostName":"h","dataCenterInfo":{"name":"a b","region":"r",
                                "availableZone":"z"}})",
          R"({"hostName":"h","instanceId":"a/b"})"}) {
        expect_sc_error(reg(bad), 400, "400001", "Invalid parameter(s)");
    }
    expect_sc_error(sc_->post("/v4/default/registry/microservices/nope/instances",
                              R"({"instance":{"hostName":"h"}})"),
                    400, "400012", "Micro-service does not exist");
}

}  // namespace
}  // namespace scagent::dev_registry
