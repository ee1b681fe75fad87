#include "plugins/registry/servicecomb/sc_responses.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace scagent::plugins::servicecomb {
namespace {

HttpResponse reply(int status, std::string body, HttpHeaders headers = {}) {
    return HttpResponse{.status = status, .headers = std::move(headers), .body = std::move(body)};
}

TEST(ScErrorTest, DecodesServiceErrorByCode) {
    auto error = decode_error_response(reply(
        400, R"({"errorCode":"400017","errorMessage":"Instance does not exist","detail":"x"})"));
    EXPECT_EQ(error.kind, ErrorKind::service);
    EXPECT_TRUE(error.is(codes::kInstanceNotExists));
    EXPECT_EQ(error.message, "Instance does not exist");
    EXPECT_EQ(error.detail, "x");
    EXPECT_EQ(error.http_status, 400);
    EXPECT_FALSE(error.server_unavailable());
    EXPECT_EQ(error.describe(), "service 400017 (HTTP 400): Instance does not exist: x");
}

TEST(ScErrorTest, NumericCodeAndCseDialect) {
    auto numeric = decode_error_response(reply(401, R"({"errorCode":401205})"));
    EXPECT_TRUE(numeric.is(codes::kTokenExpired));
    auto cse =
        decode_error_response(reply(400, R"({"error_code":"SVCSTG.00501","error_msg":"m"})"));
    EXPECT_EQ(cse.kind, ErrorKind::service);
    EXPECT_EQ(cse.code, "SVCSTG.00501");
    EXPECT_EQ(cse.message, "m");
}

TEST(ScErrorTest, GarbageBodiesBecomeHttpErrors) {
    for (std::string body : {std::string(""), std::string("<html>bad gateway</html>"),
                             std::string("[1,2]"), std::string("{\"errorCode\":{}}"),
                             std::string("\x01\x02\xff{", 4), std::string(5000, 'x')}) {
        auto error = decode_error_response(reply(502, body));
        EXPECT_EQ(error.kind, ErrorKind::http) << body;
        EXPECT_EQ(error.http_status, 502);
        EXPECT_TRUE(error.server_unavailable());
        EXPECT_LE(error.detail.size(), 203u);
        for (char c : error.detail) {
            EXPECT_TRUE(c >= 0x20 && c < 0x7f);
        }
    }
}

TEST(ScResponsesTest, ServiceAndInstanceIds) {
    EXPECT_EQ(decode_service_id(reply(200, R"({"serviceId":"abc"})")).value(), "abc");
    EXPECT_EQ(decode_instance_id(reply(200, R"({"instanceId":"i1"})")).value(), "i1");

    auto missing = decode_service_id(reply(200, "{}"));
    ASSERT_TRUE(missing.has_error());
    EXPECT_EQ(missing.error().kind, ErrorKind::decode);
    EXPECT_EQ(decode_service_id(reply(200, R"({"serviceId":5})")).error().kind, ErrorKind::decode);
    EXPECT_EQ(decode_service_id(reply(200, "not json")).error().kind, ErrorKind::decode);

    auto absent = decode_service_id(
        reply(400, R"({"errorCode":"400012","errorMessage":"Micro-service does not exist"})"));
    EXPECT_TRUE(absent.error().is(codes::kServiceNotExists));
}

TEST(ScResponsesTest, GetServiceToleratesOmittedAndNullFields) {
    auto service = decode_service(reply(200, R"({"service":{"serviceId":"s","appId":"shop",
        "serviceName":"cart","version":"1.0","properties":{"a":"b"},"schemas":null,
        "framework":{"name":"sc-agent"},"unknown":[1]}})"));
    ASSERT_TRUE(service.has_value()) << service.error().describe();
    EXPECT_EQ(service->service_id, "s");
    EXPECT_EQ(service->properties.at("a"), "b");
    EXPECT_TRUE(service->schemas.empty());
    EXPECT_EQ(service->framework.name, "sc-agent");

    EXPECT_EQ(decode_service(reply(200, R"({"service":[]})")).error().kind, ErrorKind::decode);
    EXPECT_EQ(decode_service(reply(200, R"({"service":{"properties":{"a":1}}})")).error().kind,
              ErrorKind::decode);
}

TEST(ScResponsesTest, EmptySuccessAndErrors) {
    EXPECT_TRUE(decode_empty(reply(200, "")).has_value());
    auto gone = decode_empty(reply(400, R"({"errorCode":"400017","errorMessage":"gone"})"));
    EXPECT_TRUE(gone.error().is(codes::kInstanceNotExists));
    auto unavailable = decode_empty(reply(500, R"({"errorCode":"500011"})"));
    EXPECT_TRUE(unavailable.error().server_unavailable());
}

TEST(ScResponsesTest, BatchHeartbeat) {
    auto entries = decode_heartbeat_batch(reply(200, R"json({"instances":[
        {"serviceId":"s1","instanceId":"i1"},
        {"serviceId":"s2","instanceId":"i2","errMessage":"Instance does not exist(x)"}]})json"));
    ASSERT_TRUE(entries.has_value());
    ASSERT_EQ(entries->size(), 2u);
    EXPECT_TRUE((*entries)[0].error_message.empty());
    EXPECT_EQ((*entries)[1].instance_id, "i2");
    EXPECT_EQ((*entries)[1].error_message, "Instance does not exist(x)");
}

TEST(ModelJsonTest, EncodeOmitsEmptyFieldsAndDecodeRoundTrips) {
    EXPECT_EQ(nlohmann::json(MicroService{}), nlohmann::json::object());
    EXPECT_EQ(nlohmann::json(HealthCheck{.mode = ""}), nlohmann::json::object());

    MicroService service{.service_id = "s",
                         .app_id = "shop",
                         .schemas = {"a"},
                         .properties = {{"k", "v"}},
                         .register_by = "SIDECAR"};
    EXPECT_EQ(nlohmann::json(service), nlohmann::json::parse(R"({"serviceId":"s","appId":"shop",
        "schemas":["a"],"properties":{"k":"v"},"registerBy":"SIDECAR"})"));
    service.framework.version = "1";
    EXPECT_EQ(nlohmann::json(service)["framework"], nlohmann::json::parse(R"({"version":"1"})"));
    EXPECT_EQ(nlohmann::json(service).get<MicroService>(), service);

    MicroServiceInstance instance{.instance_id = "i",
                                  .endpoints = {"rest://h:1"},
                                  .health_check = HealthCheck{.port = 8, .url = "/h"},
                                  .data_center_info = DataCenterInfo{.name = "dc"}};
    EXPECT_EQ(nlohmann::json(instance), nlohmann::json::parse(R"({"instanceId":"i",
        "endpoints":["rest://h:1"],"healthCheck":{"mode":"push","port":8,"url":"/h"},
        "dataCenterInfo":{"name":"dc"}})"));
    EXPECT_EQ(nlohmann::json(instance).get<MicroServiceInstance>(), instance);
}

TEST(ModelJsonTest, DecodeToleratesQuotedIntsNullsAndUnknownFields) {
    const auto instance = nlohmann::json::parse(R"({"instanceId":"i","hostName":null,
        "healthCheck":{"interval":"30","times":3,"extra":true},"dataCenterInfo":null,"x":[1]})")
                              .get<MicroServiceInstance>();
    EXPECT_EQ(instance.instance_id, "i");
    EXPECT_TRUE(instance.host_name.empty());
    ASSERT_TRUE(instance.health_check.has_value());
    EXPECT_EQ(instance.health_check->mode, "");  // not the struct's "push" default
    EXPECT_EQ(instance.health_check->interval, 30);
    EXPECT_EQ(instance.health_check->times, 3);
    EXPECT_FALSE(instance.data_center_info.has_value());

    const auto event = nlohmann::json::parse(R"({"action":"UPDATE","key":{"appId":"a",
        "serviceName":"b"},"instance":{"instanceId":"i"}})")
                           .get<WatchEvent>();
    EXPECT_EQ(event.action, "UPDATE");
    EXPECT_EQ(event.key.service_name, "b");
    EXPECT_EQ(event.instance.instance_id, "i");
    EXPECT_THROW(nlohmann::json::parse(R"({"key":5})").get<WatchEvent>(), std::invalid_argument);
}

TEST(ModelJsonTest, IntsThatDoNotFitAreRejectedNotTruncated) {
    const auto decode = [](const std::string& interval) {
        return nlohmann::json::parse(R"({"instanceId":"i","healthCheck":{"interval":)" + interval +
                                     "}}")
            .get<MicroServiceInstance>();
    };
    // 2^32 + 30 would wrap to 30 through a cast.
    for (const char* bad : {R"("4294967326")", "4294967326", R"("99999999999999999999")",
                            "18446744073709551615", R"("30x")", R"("")", "30.5"}) {
        EXPECT_THROW(decode(bad), std::out_of_range) << bad;
    }
    EXPECT_EQ(decode(R"("+30")").health_check->interval, 30);
    EXPECT_EQ(decode("-1").health_check->interval, -1);
    EXPECT_EQ(decode("2147483647").health_check->interval, 2147483647);
}

TEST(ScResponsesTest, FindInstancesRevisionAndNotModified) {
    auto found = decode_find_instances(
        reply(200,
              R"({"instances":[{"instanceId":"i","serviceId":"s","endpoints":["rest://1.2.3.4:80"],
                  "status":"UP","healthCheck":{"mode":"push","interval":30,"times":3},
                  "dataCenterInfo":{"name":"dc","region":"r","availableZone":"az"}}]})",
              {{"x-resource-revision", "rev1"}}));
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->not_modified);
    EXPECT_EQ(found->revision, "rev1");
    ASSERT_EQ(found->instances.size(), 1u);
    EXPECT_EQ(found->instances[0].health_check->interval, 30);
    EXPECT_EQ(found->instances[0].data_center_info->available_zone, "az");

    auto empty = decode_find_instances(reply(200, "{}", {{"X-Resource-Revision", "r2"}}));
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->instances.empty());

    auto same = decode_find_instances(reply(304, "", {{"X-Resource-Revision", "r2"}}));
    ASSERT_TRUE(same.has_value());
    EXPECT_TRUE(same->not_modified);
    EXPECT_EQ(same->revision, "r2");

    auto absent = decode_find_instances(reply(400, R"({"errorCode":"400012"})"));
    EXPECT_TRUE(absent.error().is(codes::kServiceNotExists));
    EXPECT_EQ(decode_find_instances(reply(200, R"({"instances":{}})")).error().kind,
              ErrorKind::decode);
}

TEST(ScResponsesTest, BatchFind) {
    auto result = decode_batch_find(reply(200, R"({
        "services":{
            "updated":[{"index":0,"rev":"r0","instances":[{"instanceId":"a"}]},{"index":2,"rev":"r2"}],
            "notModified":[1],
            "failed":[{"indexes":[3,4],"error":{"errorCode":"400012","errorMessage":"no"}}]},
        "instances":{"failed":[{"indexes":[0],"error":{"errorCode":"garbage"}}]}})"));
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    const auto& services = result->services;
    ASSERT_EQ(services.updated.size(), 2u);
    EXPECT_EQ(services.updated[0].revision, "r0");
    EXPECT_EQ(services.updated[0].instances.at(0).instance_id, "a");
    EXPECT_EQ(services.updated[1].index, 2);
    EXPECT_EQ(services.not_modified, std::vector<int>{1});
    ASSERT_EQ(services.failed.size(), 1u);
    EXPECT_EQ(services.failed[0].indexes, (std::vector<int>{3, 4}));
    EXPECT_TRUE(services.failed[0].error.is(codes::kServiceNotExists));
    EXPECT_EQ(services.failed[0].error.http_status, 400);
    EXPECT_EQ(result->instances.failed.at(0).error.http_status, 0);

    auto nothing = decode_batch_find(reply(200, "{}"));
    ASSERT_TRUE(nothing.has_value());
    EXPECT_TRUE(nothing->services.updated.empty());
    EXPECT_EQ(decode_batch_find(reply(200, R"({"services":{"updated":[7]}})")).error().kind,
              ErrorKind::decode);
}

// The instances are decoded while the body is parsed (no DOM of the whole answer); each batch must
// still land in its own entry whatever the key order, and nothing in the body can stand in for one.
TEST(ScResponsesTest, BatchFindInstancesLandInTheirOwnEntryWhateverTheKeyOrder) {
    auto result = decode_batch_find(reply(200, R"({"services":{"updated":[
        {"instances":[{"instanceId":"a1"},{"instanceId":"a2"}],"rev":"ra","index":0},
        {"index":1,"instances":[],"rev":"rb"},
        {"rev":"rc","instances":[{"instanceId":"c1","properties":{"instances":"x"},
                                  "extra":{"instances":[{"instanceId":"nested"}]}}],"index":2}]}})"));
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    const auto& updated = result->services.updated;
    ASSERT_EQ(updated.size(), 3u);
    ASSERT_EQ(updated[0].instances.size(), 2u);
    EXPECT_EQ(updated[0].instances[1].instance_id, "a2");
    EXPECT_EQ(updated[0].revision, "ra");
    EXPECT_TRUE(updated[1].instances.empty());
    ASSERT_EQ(updated[2].instances.size(), 1u);
    EXPECT_EQ(updated[2].instances[0].instance_id, "c1");
    EXPECT_EQ(updated[2].instances[0].properties.at("instances"), "x");

    // A number where the array belongs is not "batch 0" of another entry: it is a wrong shape.
    EXPECT_EQ(decode_batch_find(reply(200, R"({"services":{"updated":[
                  {"index":0,"instances":[{"instanceId":"a"}]},{"index":1,"instances":0}]}})"))
                  .error()
                  .kind,
              ErrorKind::decode);
    // Elements that are not objects, and instances with wrongly typed fields, fail the answer as a
    // whole-DOM decode would.
    EXPECT_EQ(decode_batch_find(reply(200, R"({"services":{"updated":[{"instances":[{},5]}]}})"))
                  .error()
                  .kind,
              ErrorKind::decode);
    EXPECT_EQ(
        decode_find_instances(reply(200, R"({"instances":[[{"instanceId":"a"}]]})")).error().kind,
        ErrorKind::decode);
    EXPECT_EQ(decode_find_instances(reply(200, R"({"instances":[{"endpoints":"rest://x:1"}]})"))
                  .error()
                  .kind,
              ErrorKind::decode);
}

// A hostile registry's answer of many small objects decodes in one pass. (nlohmann's callback
// parser rescans the parent array at every closed object: 200k objects took ~2e10 steps, far
// past this suite's timeout; the SAX handler appends and moves on.)
TEST(ScResponsesTest, ABodyOfManySmallObjectsDecodesInOnePass) {
    constexpr int kObjects = 200'000;
    std::string body = R"({"services":{"updated":[)";
    for (int i = 0; i < kObjects; ++i) {
        body += i == 0 ? "{}" : ",{}";
    }
    body += "]}}";
    auto result = decode_batch_find(reply(200, std::move(body)));
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    EXPECT_EQ(result->services.updated.size(), static_cast<std::size_t>(kObjects));
}

TEST(ScResponsesTest, TokenAndHealth) {
    auto token = decode_token(reply(200, R"({"token":"jwt.value"})"));
    ASSERT_TRUE(token.has_value());
    EXPECT_EQ(token->reveal(), "jwt.value");
    auto wrong = decode_token(reply(401, R"({"errorCode":"401202","errorMessage":"wrong"})"));
    EXPECT_TRUE(wrong.error().is(codes::kWrongPassword));
    EXPECT_EQ(decode_token(reply(200, R"({"token":""})")).error().kind, ErrorKind::decode);

    auto members = decode_instances(reply(200, R"({"instances":[{"instanceId":"sc1"}]})"));
    ASSERT_TRUE(members.has_value());
    EXPECT_EQ(members->at(0).instance_id, "sc1");
}

TEST(ScResponsesTest, WatchFrames) {
    auto event = decode_watch_event(R"({"action":"UPDATE","key":{"tenant":"default/default",
        "appId":"shop","serviceName":"cart","version":"1.0"},"instance":{"instanceId":"i",
        "status":"DOWN"}})");
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->action, "UPDATE");
    EXPECT_EQ(event->key.service_name, "cart");
    EXPECT_EQ(event->instance.status, "DOWN");

    auto gone = decode_watch_event("service does not exist");
    EXPECT_TRUE(gone.error().is(codes::kServiceNotExists));
    EXPECT_EQ(decode_watch_event("\x01garbage").error().kind, ErrorKind::decode);
    EXPECT_EQ(decode_watch_event(R"({"instance":"x"})").error().kind, ErrorKind::decode);
}

TEST(ScModelTest, InstanceRoundTrip) {
    MicroServiceInstance instance{.instance_id = "i",
                                  .service_id = "s",
                                  .endpoints = {"rest://1.2.3.4:80"},
                                  .host_name = "h",
                                  .status = "UP",
                                  .properties = {{"zone", "a"}},
                                  .health_check = HealthCheck{.interval = 15, .times = 3},
                                  .data_center_info = DataCenterInfo{"dc", "r", "az"},
                                  .version = "1.0"};
    nlohmann::json json = instance;
    EXPECT_EQ(json.get<MicroServiceInstance>(), instance);
}

}  // namespace
}  // namespace scagent::plugins::servicecomb
