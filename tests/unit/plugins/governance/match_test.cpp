#include "plugins/governance/match/match_group.hpp"

#include <gtest/gtest.h>

#include "governance_test_support.hpp"

namespace scagent::plugins::governance {
namespace {

using testing::parse_errors;
using testing::parse_ok;

RequestView request(std::string method, std::string path) {
    RequestView r;
    r.method = std::move(method);
    r.path = std::move(path);
    return r;
}

std::shared_ptr<const MatchGroupConfig> java_group(const std::string& yaml) {
    return parse_ok<MatchGroupConfig>("servicecomb.matchGroup.g", yaml);
}

std::shared_ptr<const MatchGroupConfig> go_marker(const std::string& yaml) {
    return parse_ok<MatchGroupConfig>("servicecomb.match.g", yaml);
}

TEST(MatchGroup, JavaOperatorsOnApiPath) {
    struct Case {
        const char* op;
        const char* operand;
        const char* path;
        bool expected;
    };
    const Case cases[] = {
        {"exact", "/orders", "/orders", true},    {"exact", "/orders", "/orders/1", false},
        {"prefix", "/orders", "/orders/1", true}, {"prefix", "/orders", "/order", false},
        {"suffix", ".json", "/a/b.json", true},   {"suffix", ".json", "/a/b.xml", false},
        {"contains", "der", "/orders", true},     {"contains", "xyz", "/orders", false},
    };
    for (const auto& c : cases) {
        auto g = java_group(std::string("matches:\n  - apiPath:\n      ") + c.op + ": \"" +
                            c.operand + "\"\n");
        ASSERT_NE(g, nullptr);
        EXPECT_EQ(g->matches(request("GET", c.path)), c.expected) << c.op << " " << c.path;
    }
}

TEST(MatchGroup, JavaOperatorsInOneMapAllMustHold) {
    auto g = java_group("matches:\n  - apiPath:\n      prefix: /api\n      suffix: .json\n");
    EXPECT_TRUE(g->matches(request("GET", "/api/x.json")));
    EXPECT_FALSE(g->matches(request("GET", "/api/x.xml")));
    EXPECT_FALSE(g->matches(request("GET", "/v1/x.json")));
}

TEST(MatchGroup, CompareOperator) {
    struct Case {
        const char* pattern;
        const char* value;
        bool expected;
    };
    const Case cases[] = {
        {">10", "11", true},    {">10", "10", false},    {"<10", "9.5", true},
        {">=10", "10", true},   {"<=10", "10.1", false}, {"=10", "10.0000001", true},
        {"=10", "10.1", false}, {"!=10", "10", false},   {"!10", "11", true},
        {">10", "abc", false},
    };
    for (const auto& c : cases) {
        auto g =
            java_group(std::string("matches:\n  - headers:\n      x-level:\n        compare: \"") +
                       c.pattern + "\"\n");
        ASSERT_NE(g, nullptr) << c.pattern;
        RequestView r = request("GET", "/");
        r.headers["x-level"] = c.value;
        EXPECT_EQ(g->matches(r), c.expected) << c.pattern << " vs " << c.value;
    }
}

TEST(MatchGroup, HeaderNamesAreCaseInsensitiveAndMustBePresent) {
    auto g = java_group("matches:\n  - headers:\n      X-User:\n        exact: alice\n");
    RequestView r = request("GET", "/");
    EXPECT_FALSE(g->matches(r));
    r.headers["x-user"] = "alice";
    EXPECT_TRUE(g->matches(r));
    r.headers["x-user"] = "Alice";
    EXPECT_FALSE(g->matches(r)) << "values stay case-sensitive";
}

TEST(MatchGroup, ConditionsAreAndAndEntriesAreOr) {
    auto g = java_group(R"(matches:
  - name: writes
    method: [POST, PUT]
    apiPath:
      prefix: /orders
    queries:
      tenant:
        exact: t1
  - name: from-billing
    serviceName: billing
)");
    RequestView r = request("POST", "/orders/7");
    EXPECT_FALSE(g->matches(r)) << "query missing";
    r.query["tenant"] = "t1";
    EXPECT_TRUE(g->matches(r));
    r.method = "post";
    EXPECT_FALSE(g->matches(r)) << "java method match is case-sensitive";
    r.service_name = "billing";
    EXPECT_TRUE(g->matches(r)) << "second entry matches on its own";
    EXPECT_EQ(g->entries.size(), 2u);
    EXPECT_EQ(g->entries[0].name, "writes");
}

TEST(MatchGroup, GoMarkerApiPathIsOrAcrossOperatorsAndMethodUpperCased) {
    auto g = go_marker(R"(matches:
  - apiPath:
      exact: /health
      regex: "^/v[0-9]+/items$"
    method: [get]
    headers:
      x-age:
        noLess: "18"
        less: "65"
)");
    RequestView r = request("Get", "/v2/items");
    r.headers["X-Age"] = "30";
    EXPECT_TRUE(g->matches(r));
    r.path = "/health";
    EXPECT_TRUE(g->matches(r));
    r.path = "/v2/items/1";
    EXPECT_FALSE(g->matches(r));
    r.path = "/health";
    r.headers["X-Age"] = "65";
    EXPECT_FALSE(g->matches(r)) << "header operators are AND: less 65 fails";
    r.headers["X-Age"] = "old";
    EXPECT_FALSE(g->matches(r)) << "ordering operators need integers";
}

TEST(MatchGroup, GoOperatorsNoEquGreaterNoGreater) {
    auto g = go_marker(R"(matches:
  - headers:
      a: {noEqu: x}
      b: {greater: "3"}
      c: {noGreater: "3"}
)");
    RequestView r = request("GET", "/");
    r.headers = {{"a", "y"}, {"b", "4"}, {"c", "3"}};
    EXPECT_TRUE(g->matches(r));
    r.headers["a"] = "x";
    EXPECT_FALSE(g->matches(r));
}

TEST(MatchGroup, GoMarkerQueriesAreOrAcrossOperators) {
    auto g = go_marker(
        "matches:\n  - queries:\n      tier:\n        exact: gold\n        "
        "contains: plat\n");
    RequestView r = request("GET", "/");
    r.query["tier"] = "platinum";
    EXPECT_TRUE(g->matches(r));
    r.query["tier"] = "silver";
    EXPECT_FALSE(g->matches(r));
}

TEST(MatchGroup, MetaFieldsDefaultAndParse) {
    auto plain = java_group("matches:\n  - method: [GET]\n");
    EXPECT_EQ(plain->meta.name, "g");
    EXPECT_EQ(plain->meta.order, 0);
    EXPECT_TRUE(plain->meta.services.entries.empty());
    auto g = java_group(
        "alias: shown-in-ui\norder: 3\nservices: a, b:1.0.0\nmatches:\n"
        "  - method: [GET]\n");
    EXPECT_EQ(g->meta.order, 3);
    ASSERT_EQ(g->meta.services.entries.size(), 2u);
    EXPECT_EQ(g->meta.services.entries[1].name, "b");
    EXPECT_EQ(g->meta.services.entries[1].version, "1.0.0");
    EXPECT_TRUE(g->meta.services.admits("b", "1.0.0"));
    EXPECT_FALSE(g->meta.services.admits("b", "2.0.0"));
    EXPECT_TRUE(g->meta.services.admits("a", "9"));
    EXPECT_FALSE(g->meta.services.admits("c", "1.0.0"));
}

TEST(MatchGroupErrors, StructureErrors) {
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g", "order: 1\n"),
              std::vector<std::string>{
                  "servicecomb.matchGroup.g:1:1: matches: is required: a list of at least one "
                  "match"});
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g", "matches: []\n"),
              std::vector<std::string>{
                  "servicecomb.matchGroup.g:1:10: matches: must be a list of at least one match"});
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g", "- a\n- b\n"),
              std::vector<std::string>{"servicecomb.matchGroup.g:1:1: must be a mapping"});
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.", "matches: [{method: [GET]}]"),
              std::vector<std::string>{
                  "servicecomb.matchGroup.: the key needs a name: servicecomb.matchGroup.<name>"});
}

TEST(MatchGroupErrors, OperatorErrors) {
    EXPECT_EQ(
        parse_errors("servicecomb.matchGroup.g", "matches:\n  - apiPath:\n      regex: /a.*\n"),
        std::vector<std::string>{"servicecomb.matchGroup.g:3:7: matches[0].apiPath.regex: unknown "
                                 "operator 'regex' (known: exact, contains, prefix, suffix, "
                                 "compare)"});
    EXPECT_EQ(parse_errors("servicecomb.match.g", "matches:\n  - apiPath:\n      prefix: /a\n"),
              std::vector<std::string>{
                  "servicecomb.match.g:3:7: matches[0].apiPath.prefix: unknown operator 'prefix' "
                  "(known: exact, contains, regex, noEqu, less, noLess, greater, noGreater)"});
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g", "matches:\n  - apiPath: {}\n"),
              std::vector<std::string>{
                  "servicecomb.matchGroup.g:2:14: matches[0].apiPath: must contain at least one "
                  "operator"});
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g",
                           "matches:\n  - headers:\n      v:\n        compare: \"~3\"\n"),
              std::vector<std::string>{
                  "servicecomb.matchGroup.g:4:18: matches[0].headers.v.compare: must be one of >, "
                  "<, =, >=, <=, !, != followed by a number, got '~3'"});
    EXPECT_EQ(parse_errors("servicecomb.match.g", "matches:\n  - headers:\n      v: {less: x}\n"),
              std::vector<std::string>{
                  "servicecomb.match.g:3:17: matches[0].headers.v.less: must be an integer, got "
                  "'x'"});
    auto regex_errors =
        parse_errors("servicecomb.match.g", "matches:\n  - apiPath: {regex: \"a(b\"}\n");
    ASSERT_EQ(regex_errors.size(), 1u);
    EXPECT_EQ(regex_errors[0].rfind("servicecomb.match.g:2:22: matches[0].apiPath.regex: invalid "
                                    "regular expression 'a(b': ",
                                    0),
              0u)
        << regex_errors[0];
}

TEST(MatchGroupErrors, FieldErrorsAreAllCollected) {
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g", R"(order: first
matches:
  - method: GET
    customMatcher:
      customMatcherHandler: myBean
    headers:
      h: exact
)"),
              (std::vector<std::string>{
                  "servicecomb.matchGroup.g:1:8: order: must be an integer, got 'first'",
                  "servicecomb.matchGroup.g:3:13: matches[0].method: must be a list",
                  "servicecomb.matchGroup.g:7:10: matches[0].headers.h: must be a mapping of "
                  "operator to value",
                  "servicecomb.matchGroup.g:5:7: matches[0].customMatcher: is not supported by "
                  "sc-agent (it names a Java bean)",
              }));
}

TEST(MatchGroupErrors, DuplicateKeysAreRejected) {
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g",
                           "matches:\n  - apiPath: {exact: /a}\n    apiPath: {exact: /b}\n"),
              std::vector<std::string>{
                  "servicecomb.matchGroup.g:3:5: matches[0].apiPath: duplicate key"});
}

TEST(MatchGroupErrors, GoTrafficMarkPolicy) {
    auto g = go_marker("trafficMarkPolicy: once\nmatches:\n  - method: [GET]\n");
    EXPECT_EQ(g->traffic_mark_policy, "once");
    EXPECT_EQ(parse_errors("servicecomb.match.g",
                           "trafficMarkPolicy: always\nmatches:\n  - method: [GET]\n"),
              std::vector<std::string>{"servicecomb.match.g:1:20: trafficMarkPolicy: must be once "
                                       "or perService, got 'always'"});
}

TEST(MatchGroupErrors, InvalidYamlIsReportedWithPosition) {
    auto errors = parse_errors("servicecomb.matchGroup.g", "matches: [\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("servicecomb.matchGroup.g:", 0), 0u);
    EXPECT_NE(errors[0].find(": invalid YAML: "), std::string::npos) << errors[0];
    EXPECT_EQ(parse_errors("servicecomb.matchGroup.g", ""),
              std::vector<std::string>{"servicecomb.matchGroup.g: the value is empty"});
}

}  // namespace
}  // namespace scagent::plugins::governance
