#include <gtest/gtest.h>

#include "agent/api/discovery_query.hpp"

namespace scagent::api {
namespace {

using std::chrono::milliseconds;
using Kind = plugins::discovery::VersionRule::Kind;

DiscoveryDefaults defaults() {
    DiscoveryDefaults out;
    out.app = "shop";
    out.env = "production";
    return out;
}

DiscoveryQuery ok(DiscoveryRoute route, std::string_view query, std::string_view name = "cart") {
    auto parsed = parse_discovery_query(route, name, query, defaults());
    EXPECT_FALSE(parsed.error) << query << ": " << (parsed.error ? parsed.error->message : "");
    return parsed.query;
}

ApiError fails(DiscoveryRoute route, std::string_view query, std::string_view name = "cart") {
    auto parsed = parse_discovery_query(route, name, query, defaults());
    EXPECT_TRUE(parsed.error) << query;
    return parsed.error.value_or(ApiError{});
}

TEST(DiscoveryQuery, DefaultsWhenNothingIsGiven) {
    auto query = ok(DiscoveryRoute::kInstances, "");
    EXPECT_EQ(query.key, (discovery::CacheKey{"shop", "cart", "production"}));
    EXPECT_EQ(query.filter.version.kind(), Kind::kAll);
    EXPECT_EQ(query.filter.status.statuses, (std::vector<std::string>{"UP"}));
    EXPECT_TRUE(query.filter.tags.tags.empty());
    EXPECT_FALSE(query.index);
    EXPECT_EQ(query.wait, milliseconds(0));
}

TEST(DiscoveryQuery, EveryInstancesParameter) {
    auto query = ok(DiscoveryRoute::kInstances,
                    "?app=other&env=&version=1.2.0%2B&tags=zone:az1,canary:true&status=ANY"
                    "&index=42&wait=30s");
    EXPECT_EQ(query.key, (discovery::CacheKey{"other", "cart", ""}));
    EXPECT_EQ(query.filter.version.kind(), Kind::kAtLeast);
    EXPECT_EQ(query.filter.version.to_string(), "1.2.0+");
    ASSERT_EQ(query.filter.tags.tags.size(), 2u);
    EXPECT_EQ(query.filter.tags.tags[1].key, "canary");
    EXPECT_TRUE(query.filter.status.statuses.empty());
    EXPECT_EQ(query.index, 42u);
    EXPECT_EQ(query.wait, milliseconds(30'000));
}

TEST(DiscoveryQuery, LiteralPlusIsTheAtLeastVersionRuleNotASpace) {
    // Not form encoding (agent-interface.md writes `version=1.2.0+`); %2B means the same.
    for (std::string_view text : {"version=1.2.0+", "version=1.2.0%2B"}) {
        auto query = ok(DiscoveryRoute::kInstances, text);
        EXPECT_EQ(query.filter.version.kind(), Kind::kAtLeast) << text;
        EXPECT_EQ(query.filter.version.to_string(), "1.2.0+") << text;
        EXPECT_EQ(ok(DiscoveryRoute::kSelect, text).filter.version.kind(), Kind::kAtLeast);
    }
}

TEST(DiscoveryQuery, IndexWithoutWaitBlocksForTheDefaultAndWaitAloneDoesNotBlock) {
    EXPECT_EQ(ok(DiscoveryRoute::kInstances, "index=3").wait, std::chrono::minutes(5));
    EXPECT_EQ(ok(DiscoveryRoute::kInstances, "wait=10m").wait, milliseconds(0));
    EXPECT_EQ(ok(DiscoveryRoute::kInstances, "index=3&wait=10m").wait, std::chrono::minutes(10));
}

TEST(DiscoveryQuery, SelectTakesHashKeyButNotBlocking) {
    auto query = ok(DiscoveryRoute::kSelect, "version=latest&hashKey=user+42%2F7%20x");
    EXPECT_EQ(query.hash_key, "user+42/7 x");
    EXPECT_EQ(query.filter.version.kind(), Kind::kLatest);
    EXPECT_EQ(fails(DiscoveryRoute::kSelect, "index=1").message,
              "index: unknown parameter; this route takes app, env, version, tags, status, "
              "hashKey, method, path, header, consumer");
    EXPECT_EQ(fails(DiscoveryRoute::kInstances, "hashKey=1").message,
              "hashKey: unknown parameter; this route takes app, env, version, tags, status, "
              "index, wait, consumer");
}

TEST(DiscoveryQuery, SelectTakesMethodPathAndRepeatedHeadersForGovernanceMatching) {
    auto query = ok(DiscoveryRoute::kSelect,
                    "method=POST&path=/api/orders%3Fx=1&header=x-canary:1&header=X-User:a:b"
                    "&header=x-empty:");
    EXPECT_EQ(query.request.method, "POST");
    EXPECT_EQ(query.request.path, "/api/orders");
    ASSERT_EQ(query.request.headers.size(), 3u);
    ASSERT_NE(query.request.header("X-Canary"), nullptr);
    EXPECT_EQ(*query.request.header("X-Canary"), "1");
    EXPECT_EQ(*query.request.header("x-user"), "a:b");
    EXPECT_EQ(*query.request.header("x-empty"), "");
    EXPECT_EQ(fails(DiscoveryRoute::kSelect, "header=nocolon").message,
              "header: must be name:value, got \"nocolon\"");
    EXPECT_EQ(fails(DiscoveryRoute::kSelect, "path=api").message,
              "path: must start with '/', got \"api\"");
    EXPECT_EQ(fails(DiscoveryRoute::kSelect, "method=GET&method=POST").message,
              "method: given more than once");
    EXPECT_EQ(fails(DiscoveryRoute::kInstances, "method=GET").code, "BAD_REQUEST");
}

TEST(DiscoveryQuery, EachLocalServiceUsesItsOwnDefaults) {
    DiscoveryDefaults several = defaults();  // the first local service's: shop, production
    several.consumers = {{"web", "shop", "production"}, {"batch", "billing", "testing"}};
    auto parse = [&](std::string_view query, std::string_view header = {}) {
        return parse_discovery_query(DiscoveryRoute::kSelect, "cart", query, several, header);
    };
    auto by_param = parse("consumer=batch");
    ASSERT_FALSE(by_param.error) << by_param.error->message;
    EXPECT_EQ(by_param.query.key, (discovery::CacheKey{"billing", "cart", "testing"}));
    auto by_header = parse("", "batch");
    ASSERT_FALSE(by_header.error) << by_header.error->message;
    EXPECT_EQ(by_header.query.key, (discovery::CacheKey{"billing", "cart", "testing"}));
    auto first = parse("consumer=web", "batch");  // the parameter wins
    EXPECT_EQ(first.query.key, (discovery::CacheKey{"shop", "cart", "production"}));
    auto explicit_app = parse("consumer=batch&app=other");
    EXPECT_EQ(explicit_app.query.key, (discovery::CacheKey{"other", "cart", "testing"}));

    // Several services that disagree and no consumer: no silent pick of the first one.
    auto ambiguous = parse("");
    ASSERT_TRUE(ambiguous.error);
    EXPECT_EQ(ambiguous.error->status, 400u);
    EXPECT_EQ(ambiguous.error->code, "CONSUMER_REQUIRED");
    auto given = parse("app=shop&env=");
    ASSERT_FALSE(given.error);
    EXPECT_EQ(given.query.key, (discovery::CacheKey{"shop", "cart", ""}));
    auto unknown = parse("consumer=nobody");
    ASSERT_TRUE(unknown.error);
    EXPECT_EQ(unknown.error->message,
              "consumer: 'nobody' is not a local service; local services: web, batch");

    // Services that agree need no consumer.
    several.consumers[1].app = "shop";
    several.consumers[1].env = "production";
    EXPECT_FALSE(parse("").error);
}

TEST(DiscoveryQuery, BadRequestsNameTheParameter) {
    struct Case {
        std::string_view query;
        std::string_view message_start;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"version=1.x", "version: invalid version rule \"1.x\""},
             {"tags=:v", "tags: invalid tag"},
             {"status=SLEEPING", "status: invalid status \"SLEEPING\""},
             {"index=-1", "index: must be the unsigned integer"},
             {"index=", "index: must be the unsigned integer"},
             {"index=1&wait=11m", "wait: at most 10m, got \"11m\""},
             {"index=1&wait=30", "wait: "},
             // Overflowing and negative durations and indexes: checked, never wrapped.
             {"index=1&wait=3000000000000h", "wait: duration '3000000000000h' is too large"},
             {"index=1&wait=9223372036854775808ms", "wait: duration '9223372036854775808ms' is"},
             {"index=1&wait=-5s", "wait: negative duration '-5s' is not allowed"},
             {"index=18446744073709551616", "index: must be the unsigned integer"},
             {"env=staging", "env: "},
             {"app=", "app: must not be empty"},
             {"app=bad%20app", "app: "},
             {"verison=1.0", "verison: unknown parameter"},
             {"version=1.0&version=2.0", "version: given more than once"},
             {"app=%zz", "query: not a valid query string"},
         }) {
        auto error = fails(DiscoveryRoute::kInstances, c.query);
        EXPECT_EQ(error.status, 400u) << c.query;
        EXPECT_EQ(error.code, "BAD_REQUEST") << c.query;
        EXPECT_EQ(error.message.substr(0, c.message_start.size()), c.message_start)
            << c.query << " -> " << error.message;
    }
    EXPECT_EQ(fails(DiscoveryRoute::kInstances, "", "bad name").message.substr(0, 6), "name: ");
    EXPECT_EQ(fails(DiscoveryRoute::kInstances, "", "").message.substr(0, 6), "name: ");
}

}  // namespace
}  // namespace scagent::api
