#include "plugins/registry/servicecomb/sc_requests.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace scagent::plugins::servicecomb {
namespace {

using nlohmann::json;

std::string header_or_empty(const HttpRequest& request, std::string_view name) {
    const auto* value = request.header(name);
    return value ? *value : std::string();
}

TEST(ScRequestsTest, CreateServiceOmitsEmptyFieldsAndIsIdempotent) {
    MicroService service;
    service.app_id = "shop";
    service.service_name = "cart";
    service.version = "1.2.0";
    service.register_by = "SIDECAR";
    service.properties = {{"k", "v"}};

    auto request = ScRequests("default").create_service(service);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/v4/default/registry/microservices");
    EXPECT_TRUE(request.idempotent);
    EXPECT_EQ(header_or_empty(request, "content-type"), "application/json");
    EXPECT_EQ(json::parse(request.body), json::parse(R"({"service":{"appId":"shop",
        "serviceName":"cart","version":"1.2.0","registerBy":"SIDECAR","properties":{"k":"v"}}})"));
}

TEST(ScRequestsTest, ExistenceUsesEnvParameterAndEscapes) {
    auto request = ScRequests("proj").service_exists("shop", "my cart", "1.0.0", "");
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target,
              "/v4/proj/registry/existence?type=microservice&appId=shop&serviceName=my%20cart"
              "&version=1.0.0&env=");
}

TEST(ScRequestsTest, ProjectAndIdsAreEscapedAsSegments) {
    ScRequests requests("a/b");
    EXPECT_EQ(requests.get_service("x/../y").target, "/v4/a%2Fb/registry/microservices/x%2F..%2Fy");
    EXPECT_EQ(requests.heartbeat("s?1", "i#2").target,
              "/v4/a%2Fb/registry/microservices/s%3F1/instances/i%232/heartbeat");
}

TEST(ScRequestsTest, RegisterInstanceIdempotentOnlyWithPreviousId) {
    MicroServiceInstance instance;
    instance.endpoints = {"rest://10.0.0.5:8080"};
    instance.host_name = "host1";
    instance.status = "STARTING";
    instance.health_check = HealthCheck{.mode = "push", .interval = 30, .times = 3};

    ScRequests requests;
    auto fresh = requests.register_instance("sid", instance);
    EXPECT_EQ(fresh.method, "POST");
    EXPECT_EQ(fresh.target, "/v4/default/registry/microservices/sid/instances");
    EXPECT_FALSE(fresh.idempotent);
    EXPECT_EQ(json::parse(fresh.body), json::parse(R"({"instance":{"endpoints":
        ["rest://10.0.0.5:8080"],"hostName":"host1","status":"STARTING",
        "healthCheck":{"mode":"push","interval":30,"times":3}}})"));

    instance.instance_id = "iid1";
    auto again = requests.register_instance("sid", instance);
    EXPECT_TRUE(again.idempotent);
    EXPECT_EQ(json::parse(again.body)["instance"]["instanceId"], "iid1");
}

TEST(ScRequestsTest, InstanceLifecycleCalls) {
    ScRequests requests;
    auto heartbeat = requests.heartbeat("s", "i");
    EXPECT_EQ(heartbeat.method, "PUT");
    EXPECT_EQ(heartbeat.target, "/v4/default/registry/microservices/s/instances/i/heartbeat");
    EXPECT_TRUE(heartbeat.body.empty());

    auto status = requests.set_instance_status("s", "i", "OUTOFSERVICE");
    EXPECT_EQ(status.method, "PUT");
    EXPECT_EQ(status.target,
              "/v4/default/registry/microservices/s/instances/i/status?value=OUTOFSERVICE");

    auto properties = requests.set_instance_properties("s", "i", {{"zone", "a"}});
    EXPECT_EQ(properties.target, "/v4/default/registry/microservices/s/instances/i/properties");
    EXPECT_EQ(json::parse(properties.body), json::parse(R"({"properties":{"zone":"a"}})"));

    auto deregister = requests.deregister_instance("s", "i");
    EXPECT_EQ(deregister.method, "DELETE");
    EXPECT_EQ(deregister.target, "/v4/default/registry/microservices/s/instances/i");
    EXPECT_TRUE(deregister.idempotent);

    EXPECT_EQ(requests.delete_service("s", true).target,
              "/v4/default/registry/microservices/s?force=1");
}

TEST(ScRequestsTest, BatchHeartbeatBody) {
    auto request = ScRequests().heartbeat_batch({{"s1", "i1", "ignored"}, {"s2", "i2", ""}});
    EXPECT_EQ(request.method, "PUT");
    EXPECT_EQ(request.target, "/v4/default/registry/heartbeats");
    EXPECT_EQ(json::parse(request.body), json::parse(R"({"instances":[
        {"serviceId":"s1","instanceId":"i1"},{"serviceId":"s2","instanceId":"i2"}]})"));
}

TEST(ScRequestsTest, FindInstancesWithRevisionAndConsumer) {
    FindQuery query{.app_id = "shop",
                    .service_name = "inventory",
                    .environment = "production",
                    .tags = "a,b",
                    .revision = "abc",
                    .consumer_id = "consumer1"};
    auto request = ScRequests().find_instances(query);
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target,
              "/v4/default/registry/instances?appId=shop&serviceName=inventory&env=production"
              "&version=0%2B&tags=a,b&rev=abc");
    EXPECT_EQ(header_or_empty(request, "X-ConsumerId"), "consumer1");

    auto bare = ScRequests().find_instances({.app_id = "a", .service_name = "b"});
    EXPECT_EQ(bare.target, "/v4/default/registry/instances?appId=a&serviceName=b&version=0%2B");
    EXPECT_EQ(bare.header("X-ConsumerId"), nullptr);
}

TEST(ScRequestsTest, BatchFindBody) {
    BatchFindQuery query;
    query.consumer_id = "c";
    query.services.push_back(
        {.key = {.environment = "", .app_id = "shop", .service_name = "x"}, .revision = "r1"});
    query.services.push_back({.key = {.app_id = "shop", .service_name = "y"}});
    query.instances.push_back({.service_id = "s", .instance_id = "i", .revision = ""});
    auto request = ScRequests().batch_find(query);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/v4/default/registry/instances/action?type=query");
    EXPECT_TRUE(request.idempotent);
    EXPECT_EQ(header_or_empty(request, "x-consumerid"), "c");
    EXPECT_EQ(json::parse(request.body), json::parse(R"({
        "services":[
            {"service":{"environment":"","appId":"shop","serviceName":"x"},"rev":"r1"},
            {"service":{"environment":"","appId":"shop","serviceName":"y"}}],
        "instances":[{"instance":{"serviceId":"s","instanceId":"i"}}]})"));
}

TEST(ScRequestsTest, WatcherHealthAndToken) {
    ScRequests requests;
    EXPECT_EQ(requests.watcher_target("c1"), "/v4/default/registry/microservices/c1/watcher");
    EXPECT_EQ(requests.health().target, "/v4/default/registry/health");

    auto token = ScRequests::token("admin", Secret("p@ss"), "12h");
    EXPECT_EQ(token.method, "POST");
    EXPECT_EQ(token.target, "/v4/token");
    EXPECT_EQ(json::parse(token.body),
              json::parse(R"({"name":"admin","password":"p@ss","tokenExpirationTime":"12h"})"));
}

TEST(ScRequestsTest, SecretNeverPrints) {
    std::ostringstream out;
    out << Secret("hunter2");
    EXPECT_EQ(out.str(), "***");
}

TEST(HttpMessageTest, HeaderLookupIsCaseInsensitive) {
    HttpResponse response{.status = 200, .headers = {{"X-Resource-Revision", "r"}}};
    ASSERT_NE(response.header("x-resource-revision"), nullptr);
    EXPECT_EQ(*response.header("X-RESOURCE-REVISION"), "r");
    EXPECT_EQ(response.header("X-Other"), nullptr);
    set_header(response.headers, "x-resource-revision", "s");
    EXPECT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(*response.header("X-Resource-Revision"), "s");
}

}  // namespace
}  // namespace scagent::plugins::servicecomb
