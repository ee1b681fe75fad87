#include "plugins/registry/servicecomb/kie_codec.hpp"

#include <gtest/gtest.h>

namespace scagent::plugins::servicecomb {
namespace {

TEST(KieCodecTest, ListRequestWithLabelsRevisionAndWait) {
    KieListQuery query{.project = "default",
                       .labels = {{"app", "shop"}, {"service", "cart"}, {"environment", ""}},
                       .match_exact = true,
                       .revision = 7,
                       .wait = "10s"};
    auto request = kie_list_request(query);
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target,
              "/v1/default/kie/kv?label=app:shop&label=service:cart&label=environment:"
              "&match=exact&revision=7&wait=10s");
    EXPECT_TRUE(request.idempotent);

    auto plain = kie_list_request({.project = "p", .labels = {{"public", ""}}});
    EXPECT_EQ(plain.target, "/v1/p/kie/kv?label=public:");
}

TEST(KieCodecTest, DecodesListAndRevision) {
    HttpResponse response{.status = 200,
                          .headers = {{"X-Kie-Revision", "42"}},
                          .body = R"({"total":1,"data":[{"id":"x","key":"servicecomb.retry.a",
                              "value":"maxAttempts: 3","value_type":"text","status":"enabled",
                              "labels":{"app":"shop"},"update_revision":41,"update_time":17}]})"};
    auto result = decode_kie_list(response);
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    EXPECT_EQ(result->revision, 42);
    EXPECT_EQ(result->total, 1);
    ASSERT_EQ(result->data.size(), 1u);
    EXPECT_EQ(result->data[0].key, "servicecomb.retry.a");
    EXPECT_EQ(result->data[0].labels.at("app"), "shop");
    EXPECT_EQ(result->data[0].update_revision, 41);
}

TEST(KieCodecTest, NotModifiedErrorsAndGarbage) {
    auto same = decode_kie_list({.status = 304, .headers = {{"x-kie-revision", "5"}}});
    ASSERT_TRUE(same.has_value());
    EXPECT_TRUE(same->not_modified);
    EXPECT_EQ(same->revision, 5);

    auto bad = decode_kie_list({.status = 400, .body = R"({"errorCode":"400003"})"});
    EXPECT_EQ(bad.error().code, "400003");
    EXPECT_EQ(decode_kie_list({.status = 200, .body = "]["}).error().kind, ErrorKind::decode);
    EXPECT_EQ(decode_kie_list({.status = 200, .body = R"({"data":[1]})"}).error().kind,
              ErrorKind::decode);
    auto odd_revision =
        decode_kie_list({.status = 200, .headers = {{"X-Kie-Revision", "x1"}}, .body = "{}"});
    ASSERT_TRUE(odd_revision.has_value());
    EXPECT_FALSE(odd_revision->revision.has_value());
}

}  // namespace
}  // namespace scagent::plugins::servicecomb
