#include "plugins/governance/route_rule.hpp"

#include <map>

#include <gtest/gtest.h>

#include "governance_test_support.hpp"

namespace scagent::plugins::governance {
namespace {

using testing::parse_errors;
using testing::parse_ok;
using Errors = std::vector<std::string>;

Instance make(std::string id, std::string version, Tags props = {}) {
    Instance i;
    i.instance_id = std::move(id);
    i.version = std::move(version);
    for (auto& [k, v] : props) {
        i.properties[k] = v;
    }
    return i;
}

struct Fleet {
    std::vector<Instance> instances;
    std::vector<const Instance*> pointers() const {
        std::vector<const Instance*> out;
        for (const auto& i : instances) {
            out.push_back(&i);
        }
        return out;
    }
};

Fleet two_versions() {
    return Fleet{{make("v1-a", "1.0.0"), make("v1-b", "1.0.0"), make("v2-a", "2.0.0"),
                  make("canary", "3.0.0", {{"lane", "canary"}})}};
}

std::shared_ptr<const RouteRuleConfig> rules(const std::string& yaml) {
    return parse_ok<RouteRuleConfig>("servicecomb.routeRule.orders", yaml);
}

const RouteContext kContext{"shop", "1.0.0", nullptr};

std::map<std::string, int> versions_over(const RouteRuleConfig& config, const Fleet& fleet,
                                         const RequestView& request, int picks) {
    SeededRng rng(7);
    std::map<std::string, int> counts;
    auto ptrs = fleet.pointers();
    for (int i = 0; i < picks; ++i) {
        auto r = select_route(config, ptrs, request, Excluded{}, rng, kContext);
        EXPECT_FALSE(r.instances.empty());
        if (!r.instances.empty()) {
            counts[r.instances.front()->version] += 1;
        }
    }
    return counts;
}

TEST(RouteRule, WeightsTwentyEightyWithinThreePercent) {
    auto config = rules(R"(- route:
    - weight: 20
      tags: {version: 2.0.0}
    - weight: 80
      tags: {version: 1.0.0}
)");
    auto counts = versions_over(*config, two_versions(), RequestView{}, 10000);
    EXPECT_NEAR(counts["2.0.0"], 2000, 300);
    EXPECT_NEAR(counts["1.0.0"], 8000, 300);
    EXPECT_EQ(counts["3.0.0"], 0);
}

TEST(RouteRule, RemainderGroupGetsWhatWeightsLeaveToUntaggedInstances) {
    auto config = rules("- route:\n    - weight: 30\n      tags: {version: 2.0.0}\n");
    ASSERT_EQ(config->rules[0].route.size(), 2u);
    EXPECT_TRUE(config->rules[0].route[1].remainder);
    EXPECT_EQ(config->rules[0].route[1].weight, 70);
    const Fleet fleet = two_versions();
    SeededRng rng(3);
    auto ptrs = fleet.pointers();
    int v2 = 0;
    for (int i = 0; i < 10000; ++i) {
        auto r = select_route(*config, ptrs, RequestView{}, Excluded{}, rng, kContext);
        ASSERT_EQ(r.outcome, RouteOutcome::kRouted);
        if (r.instances.size() == 1) {
            EXPECT_EQ(r.instances[0]->version, "2.0.0");
            ++v2;
        } else {
            // The remainder is every instance outside the tagged groups.
            ASSERT_EQ(r.instances.size(), 3u);
            for (const Instance* i : r.instances) {
                EXPECT_NE(i->version, "2.0.0");
            }
        }
    }
    EXPECT_NEAR(v2, 3000, 300);
}

TEST(RouteRule, PrecedenceAndHeaderMatch) {
    auto config = rules(R"(- precedence: 1
  route:
    - weight: 100
      tags: {version: 1.0.0}
- precedence: 5
  match:
    headers:
      x-lane: {exact: canary}
  route:
    - weight: 100
      tags: {lane: canary}
)");
    EXPECT_EQ(config->rules[0].precedence, 5) << "sorted highest first";
    const Fleet fleet = two_versions();
    SeededRng rng(1);
    auto ptrs = fleet.pointers();
    RequestView canary;
    canary.headers["X-Lane"] = "canary";
    auto r = select_route(*config, ptrs, canary, Excluded{}, rng, kContext);
    ASSERT_EQ(r.instances.size(), 1u);
    EXPECT_EQ(r.instances[0]->instance_id, "canary");
    auto plain = select_route(*config, ptrs, RequestView{}, Excluded{}, rng, kContext);
    ASSERT_EQ(plain.instances.size(), 2u);
    EXPECT_EQ(plain.instances[0]->version, "1.0.0");
}

TEST(RouteRule, NoMatchingRuleKeepsEveryCandidate) {
    auto config = rules(
        "- match:\n    headers:\n      x: {exact: y}\n  route:\n"
        "    - weight: 100\n      tags: {version: 2.0.0}\n");
    const Fleet fleet = two_versions();
    SeededRng rng(1);
    auto r = select_route(*config, fleet.pointers(), RequestView{}, Excluded{}, rng, kContext);
    EXPECT_EQ(r.outcome, RouteOutcome::kNoRule);
    EXPECT_EQ(r.instances.size(), 4u);
}

TEST(RouteRule, FallbackThenEmptyProtection) {
    auto with_fallback = rules(R"(- route:
    - weight: 100
      tags: {version: 9.9.9}
  fallback:
    - weight: 100
      tags: {version: 2.0.0}
)");
    const Fleet fleet = two_versions();
    SeededRng rng(1);
    auto ptrs = fleet.pointers();
    auto r = select_route(*with_fallback, ptrs, RequestView{}, Excluded{}, rng, kContext);
    ASSERT_EQ(r.instances.size(), 1u);
    EXPECT_EQ(r.instances[0]->instance_id, "v2-a");
    // The fallback instance is isolated: nothing is eligible, empty protection keeps them all.
    Excluded excluded;
    excluded.ids.insert("v2-a");
    auto p = select_route(*with_fallback, ptrs, RequestView{}, excluded, rng, kContext);
    EXPECT_EQ(p.outcome, RouteOutcome::kProtected);
    EXPECT_EQ(p.instances.size(), 4u);
    auto strict = rules(
        "- route:\n    - weight: 100\n      tags: {version: 9.9.9}\n"
        "  emptyProtection: false\n");
    auto e = select_route(*strict, ptrs, RequestView{}, Excluded{}, rng, kContext);
    EXPECT_EQ(e.outcome, RouteOutcome::kEmpty);
    EXPECT_TRUE(e.instances.empty());
}

TEST(RouteRule, GoDialectSourceReferAndCaseInsensitiveHeaders) {
    auto marker = parse_ok<MatchGroupConfig>("servicecomb.match.beta",
                                             "matches:\n  - apiPath: {exact: /cart}\n");
    RouteContext context{"shop", "1.2.0",
                         [&](std::string_view name) { return name == "beta" ? marker : nullptr; }};
    auto config = rules(R"(- match:
    source: shop
    sourceTags: {version: 1.2.0}
    refer: beta
    httpHeaders:
      X-Group: {exact: Beta, caseInsensitive: true}
  route:
    - weight: 100
      tags: {version: 2.0.0}
)");
    const Fleet fleet = two_versions();
    SeededRng rng(1);
    auto ptrs = fleet.pointers();
    RequestView r;
    r.path = "/cart";
    r.headers["x-group"] = "BETA";
    EXPECT_EQ(select_route(*config, ptrs, r, Excluded{}, rng, context).outcome,
              RouteOutcome::kRouted);
    r.path = "/other";
    EXPECT_EQ(select_route(*config, ptrs, r, Excluded{}, rng, context).outcome,
              RouteOutcome::kNoRule)
        << "the referred marker does not match";
    r.path = "/cart";
    RouteContext other_caller = context;
    other_caller.local_service = "billing";
    EXPECT_EQ(select_route(*config, ptrs, r, Excluded{}, rng, other_caller).outcome,
              RouteOutcome::kNoRule);
    RouteContext other_version = context;
    other_version.local_version = "1.3.0";
    EXPECT_EQ(select_route(*config, ptrs, r, Excluded{}, rng, other_version).outcome,
              RouteOutcome::kNoRule);
}

TEST(RouteRule, WeightsOverHundredOnlyWarn) {
    ParsedItem item = parse_item("servicecomb.routeRule.orders",
                                 "- route:\n    - weight: 80\n      tags: {version: 1}\n"
                                 "    - weight: 70\n      tags: {version: 2}\n");
    ASSERT_TRUE(item.ok());
    EXPECT_EQ(item.warnings, Errors{"[0].route: weights sum to 150 (> 100); each group gets "
                                    "weight/150"});
}

TEST(RouteRule, Validation) {
    const std::string k = "servicecomb.routeRule.orders";
    EXPECT_EQ(parse_errors(k, "route: []"),
              Errors{k + ":1:1: must be a list of at least one rule"});
    EXPECT_EQ(parse_errors(k, "- precedence: 1"),
              Errors{k + ":1:3: [0].route: is required: a list of at least one {weight, tags}"});
    EXPECT_EQ(parse_errors(k, "- route: []"),
              Errors{k + ":1:10: [0].route: must be a list of at least one {weight, tags}"});
    EXPECT_EQ(parse_errors(k, "- route:\n    - tags: {version: 1}\n"),
              Errors{k + ":2:7: [0].route[0].weight: is required: an integer percentage in "
                         "[0, 100]"});
    EXPECT_EQ(parse_errors(k, "- route:\n    - weight: 101\n"),
              Errors{k + ":2:15: [0].route[0].weight: must be in [0, 100], got 101"});
    EXPECT_EQ(parse_errors(k, "- route:\n    - weight: 10\n      tags: [a]\n"),
              Errors{k + ":3:13: [0].route[0].tags: must be a mapping of tag to value"});
    EXPECT_EQ(parse_errors(k,
                           "- precedence: high\n  emptyProtection: sure\n  route:\n"
                           "    - weight: 10\n  match:\n    headers:\n      h: {like: x}\n"),
              (Errors{k + ":1:15: [0].precedence: must be an integer, got 'high'",
                      k + ":7:11: [0].match.headers.h.like: unknown operator 'like' (known: "
                          "exact, contains, prefix, suffix, compare, regex, noEqu, less, noLess, "
                          "greater, noGreater)",
                      k + ":2:20: [0].emptyProtection: must be true or false, got 'sure'"}));
}

TEST(RouteRule, InstanceTagsUseVersionAndProperties) {
    Instance i = make("x", "1.0.0", {{"zone", "az1"}});
    EXPECT_TRUE(has_tags(i, {{"version", "1.0.0"}, {"zone", "az1"}}));
    EXPECT_FALSE(has_tags(i, {{"zone", "az2"}}));
    EXPECT_FALSE(has_tags(i, {{"rack", "r1"}}));
    EXPECT_TRUE(has_tags(i, {}));
}

}  // namespace
}  // namespace scagent::plugins::governance
