#include "plugins/governance/snapshot.hpp"

#include <gtest/gtest.h>

#include "governance_test_support.hpp"

namespace scagent::plugins::governance {
namespace {

using testing::load_fixture;

const ItemReport* find_item(const GovernanceSnapshot& s, const std::string& key) {
    for (const auto& item : s.items()) {
        if (item.key == key && item.status != ItemStatus::kIgnored) {
            return &item;
        }
    }
    for (const auto& item : s.items()) {
        if (item.key == key) {
            return &item;
        }
    }
    return nullptr;
}

RequestView to_orders(std::string method, std::string path) {
    RequestView r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.service_name = "orders";
    return r;
}

TEST(GovernanceSnapshot, JavaFixtureLoadsEveryKind) {
    auto inputs = load_fixture("java_dialect.yaml");
    ASSERT_EQ(inputs.size(), 14u);
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    for (const auto& item : s->items()) {
        EXPECT_TRUE(item.errors.empty()) << item.key << ": " << item.errors.front();
    }
    const auto& counts = s->counts();
    EXPECT_EQ(counts.at("matchGroup").loaded, 2u);
    EXPECT_EQ(counts.at("matchGroup").ignored, 1u) << "slow-reports is for billing/reports";
    EXPECT_EQ(counts.at("retry").loaded, 2u);
    EXPECT_EQ(counts.at("rateLimiting").loaded, 1u);
    EXPECT_EQ(counts.at("circuitBreaker").loaded, 1u);
    EXPECT_EQ(counts.at("instanceIsolation").loaded, 1u);
    EXPECT_EQ(counts.at("bulkhead").loaded, 1u);
    EXPECT_EQ(counts.at("loadbalance").loaded, 1u);
    EXPECT_EQ(counts.at("faultInjection").loaded, 1u);
    EXPECT_EQ(counts.at("routeRule").loaded, 1u);
    EXPECT_EQ(counts.at("globalRouteRule").loaded, 1u);
    EXPECT_EQ(counts.at("match").loaded, 0u);
    const ItemReport* limiter = find_item(*s, "servicecomb.timeLimiter.order-writes");
    ASSERT_NE(limiter, nullptr);
    EXPECT_EQ(limiter->status, ItemStatus::kApplied);
    EXPECT_EQ(counts.at("timeLimiter").loaded, 1u);
    ASSERT_EQ(s->time_limiters().size(), 1u);
    EXPECT_EQ(s->time_limiters()[0]->timeout_duration, std::chrono::milliseconds(1000));
    const ItemReport* reports = find_item(*s, "servicecomb.matchGroup.slow-reports");
    ASSERT_NE(reports, nullptr);
    EXPECT_EQ(reports->notes, std::vector<std::string>{"services 'billing,reports:2.0.0' does "
                                                       "not include shop:1.0.0"});
}

TEST(GovernanceSnapshot, LookupsFollowOrderAndMatchGroups) {
    auto s = GovernanceSnapshot::build(load_fixture("java_dialect.yaml"), {"shop", "1.0.0"});
    // POST /orders matches both groups; order 0 (order-writes) beats order 5 (all-orders).
    auto write = to_orders("POST", "/orders/1");
    ASSERT_NE(s->retry_for(write), nullptr);
    EXPECT_EQ(s->retry_for(write)->meta.name, "order-writes");
    EXPECT_EQ(s->retry_for(write)->max_attempts, 2);
    auto read = to_orders("GET", "/orders/1");
    EXPECT_EQ(s->retry_for(read)->meta.name, "all-orders");
    EXPECT_EQ(s->rate_limit_for(write)->rate, 50);
    EXPECT_EQ(s->rate_limit_for(read), nullptr);
    EXPECT_EQ(s->bulkhead_for(write)->max_concurrent_calls, 20);
    EXPECT_EQ(s->circuit_breaker_for(read)->minimum_number_of_calls, 20);
    EXPECT_EQ(s->instance_isolation_for(read)->sliding_window_size, 10);
    RequestView only_service;
    only_service.service_name = "orders";
    ASSERT_NE(s->loadbalance_for(only_service), nullptr);
    EXPECT_EQ(s->loadbalance_for(only_service)->rule, "WeightedResponse");
    // The matchGroup for fault injection was filtered out by `services`.
    RequestView reports = to_orders("GET", "/reports/1");
    EXPECT_EQ(s->fault_injection_for(reports), nullptr);
    RequestView other;
    other.service_name = "billing";
    EXPECT_EQ(s->retry_for(other), nullptr);
    EXPECT_EQ(s->loadbalance_for(other), nullptr);
}

TEST(GovernanceSnapshot, RouteRulesOwnThenGlobal) {
    auto s = GovernanceSnapshot::build(load_fixture("java_dialect.yaml"), {"shop", "1.0.0"});
    ASSERT_NE(s->route_rule_for("orders"), nullptr);
    EXPECT_EQ(s->route_rule_for("orders")->target_service, "orders");
    ASSERT_NE(s->route_rule_for("billing"), nullptr);
    EXPECT_EQ(s->route_rule_for("billing")->target_service, "");
    std::vector<Instance> fleet(3);
    fleet[0].instance_id = "a";
    fleet[0].version = "1.0.0";
    fleet[1].instance_id = "b";
    fleet[1].version = "2.0.0";
    fleet[2].instance_id = "c";
    fleet[2].version = "2.0.0";
    std::vector<const Instance*> ptrs{&fleet[0], &fleet[1], &fleet[2]};
    SeededRng rng(5);
    RequestView canary = to_orders("GET", "/");
    canary.headers["x-canary"] = "true";
    auto r = s->route(ptrs, canary, Excluded{}, rng);
    EXPECT_EQ(r.outcome, RouteOutcome::kRouted);
    ASSERT_EQ(r.instances.size(), 2u);
    EXPECT_EQ(r.instances[0]->version, "2.0.0");
    // Global rule: zone az1 exists nowhere, empty protection keeps all.
    RequestView billing;
    billing.service_name = "billing";
    EXPECT_EQ(s->route(ptrs, billing, Excluded{}, rng).outcome, RouteOutcome::kProtected);
}

TEST(GovernanceSnapshot, GoFixtureMarkersAndTokenBucket) {
    auto s = GovernanceSnapshot::build(load_fixture("go_dialect.yaml"), {"shop", "1.2.0"});
    EXPECT_EQ(s->counts().at("match").loaded, 1u);
    EXPECT_EQ(s->counts().at("rateLimiting").loaded, 1u);
    EXPECT_EQ(s->counts().at("routeRule").loaded, 1u);
    RequestView r;
    r.method = "POST";
    r.path = "/cart/items";
    r.service_name = "cart";
    r.headers["user-agent"] = "Mozilla (iPhone)";
    auto limit = s->rate_limit_for(r);
    ASSERT_NE(limit, nullptr);
    EXPECT_EQ(limit->dialect, MatchDialect::kGo);
    EXPECT_EQ(limit->burst, 150);
    r.headers["user-agent"] = "curl";
    EXPECT_EQ(s->rate_limit_for(r), nullptr);
    // loadbalance.mobile has no java matchGroup "mobile": association is by matchGroup only.
    EXPECT_EQ(s->loadbalance_for(r), nullptr);

    std::vector<Instance> fleet(2);
    fleet[0].instance_id = "new";
    fleet[0].version = "0.2.0";
    fleet[0].properties["app"] = "shop";
    fleet[1].instance_id = "old";
    fleet[1].version = "0.1.0";
    std::vector<const Instance*> ptrs{&fleet[0], &fleet[1]};
    SeededRng rng(9);
    r.headers["user-agent"] = "Android 14";
    r.headers["X-Group"] = "beta";
    int to_new = 0;
    for (int i = 0; i < 1000; ++i) {
        auto routed = s->route(ptrs, r, Excluded{}, rng);
        ASSERT_EQ(routed.outcome, RouteOutcome::kRouted);
        ASSERT_EQ(routed.instances.size(), 1u);
        to_new += routed.instances[0]->instance_id == "new" ? 1 : 0;
    }
    EXPECT_NEAR(to_new, 300, 60) << "30% tagged, 70% remainder";
}

TEST(GovernanceSnapshot, InvalidItemsAreReportedAndValidOnesApply) {
    auto s = GovernanceSnapshot::build(load_fixture("invalid_items.yaml"), {"shop", "1.0.0"});
    EXPECT_EQ(s->counts().at("retry").loaded, 1u);
    EXPECT_EQ(s->counts().at("retry").rejected, 1u);
    EXPECT_EQ(s->counts().at("circuitBreaker").rejected, 1u);
    EXPECT_EQ(s->counts().at("routeRule").rejected, 1u);
    EXPECT_EQ(s->counts().at("matchGroup").loaded, 1u);
    EXPECT_EQ(s->counts().at("matchGroup").rejected, 1u);
    RequestView get;
    get.method = "GET";
    ASSERT_NE(s->retry_for(get), nullptr);
    EXPECT_EQ(s->retry_for(get)->meta.name, "ok");
    const ItemReport* bad = find_item(*s, "servicecomb.retry.bad");
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(bad->status, ItemStatus::kRejected);
    EXPECT_EQ(bad->source, "file:invalid_items.yaml");
    EXPECT_EQ(bad->errors,
              (std::vector<std::string>{
                  "servicecomb.retry.bad:1:14: maxAttempts: must be >= 1, got 0",
                  "servicecomb.retry.bad:2:16: retryStrategy: must be FixedInterval or "
                  "RandomBackoff, got 'Sometimes'"}));
    EXPECT_EQ(find_item(*s, "servicecomb.routeRule.broken")->errors,
              std::vector<std::string>{"servicecomb.routeRule.broken:1:1: must be a list of at "
                                       "least one rule"});
    EXPECT_EQ(item_status_name(find_item(*s, "servicecomb.retry.ok")->status), "applied");
}

TEST(GovernanceSnapshot, LaterItemWithTheSameKeyOverrides) {
    std::vector<GovernanceInput> inputs{
        {"servicecomb.matchGroup.g", "matches:\n  - method: [GET]\n", "kie:app"},
        {"servicecomb.retry.g", "maxAttempts: 1", "kie:app"},
        {"servicecomb.retry.g", "maxAttempts: 4", "kie:service"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    RequestView get;
    get.method = "GET";
    EXPECT_EQ(s->retry_for(get)->max_attempts, 4);
    EXPECT_EQ(s->counts().at("retry").loaded, 1u);
    ASSERT_EQ(s->items().size(), 3u);
    EXPECT_EQ(s->items()[1].status, ItemStatus::kIgnored);
    EXPECT_EQ(s->items()[1].notes,
              std::vector<std::string>{"overridden by the item from kie:service"});
}

TEST(GovernanceSnapshot, PolicyWithoutMatchGroupNeverApplies) {
    std::vector<GovernanceInput> inputs{{"servicecomb.retry.lonely", "maxAttempts: 2", "t"}};
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    EXPECT_EQ(s->counts().at("retry").loaded, 1u);
    EXPECT_EQ(s->retry_for(RequestView{}), nullptr);
}

TEST(GovernanceSnapshot, EqualOrderFallsBackToNameOrder) {
    std::vector<GovernanceInput> inputs{
        {"servicecomb.matchGroup.b", "matches:\n  - method: [GET]\n", "t"},
        {"servicecomb.matchGroup.a", "matches:\n  - method: [GET]\n", "t"},
        {"servicecomb.retry.b", "maxAttempts: 2", "t"},
        {"servicecomb.retry.a", "maxAttempts: 3", "t"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    RequestView get;
    get.method = "GET";
    EXPECT_EQ(s->retry_for(get)->meta.name, "a");
}

TEST(GovernanceSnapshot, EachPolicyKeepsItsOwnGroupAfterSorting) {
    // Listed b before a, looked up a before b: each must still be selected by its own group.
    std::vector<GovernanceInput> inputs{
        {"servicecomb.matchGroup.b", "matches:\n  - method: [GET]\n", "t"},
        {"servicecomb.matchGroup.a", "matches:\n  - method: [POST]\n", "t"},
        {"servicecomb.retry.b", "maxAttempts: 2", "t"},
        {"servicecomb.retry.a", "maxAttempts: 3", "t"},
        {"servicecomb.bulkhead.b", "maxConcurrentCalls: 2", "t"},
        {"servicecomb.bulkhead.a", "maxConcurrentCalls: 3", "t"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    RequestView get;
    get.method = "GET";
    RequestView post;
    post.method = "POST";
    EXPECT_EQ(s->retry_for(get)->meta.name, "b");
    EXPECT_EQ(s->retry_for(post)->meta.name, "a");
    EXPECT_EQ(s->bulkhead_for(get)->max_concurrent_calls, 2);
    EXPECT_EQ(s->bulkhead_for(post)->max_concurrent_calls, 3);
    RequestView put;
    put.method = "PUT";
    EXPECT_EQ(s->retry_for(put), nullptr);
}

TEST(GovernanceSnapshot, AGoRateLimitFallsBackToTheJavaMatchGroupOfItsMatchName) {
    std::vector<GovernanceInput> inputs{
        {"servicecomb.matchGroup.writes", "matches:\n  - method: [POST]\n", "t"},
        {"servicecomb.match.reads", "matches:\n  - method: [GET]\n", "t"},
        {"servicecomb.rateLimiting.by-group", "match: writes\nrate: 7\n", "t"},
        {"servicecomb.rateLimiting.by-marker", "match: reads\nrate: 9\n", "t"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    RequestView post;
    post.method = "POST";
    RequestView get;
    get.method = "GET";
    ASSERT_NE(s->rate_limit_for(post), nullptr);
    EXPECT_EQ(s->rate_limit_for(post)->rate, 7);
    ASSERT_NE(s->rate_limit_for(get), nullptr);
    EXPECT_EQ(s->rate_limit_for(get)->rate, 9);
}

template <class Config>
std::string name_of(const std::shared_ptr<const Config>& policy) {
    return policy ? policy->meta.name : "-";
}

TEST(MatchedGroups, EveryKindFindsItsFirstMatchingPolicyInOneCallAndAlone) {
    // Three groups (w: POST, o: /orders, v: the x-vip header) bound to each kind in different
    // orders; each request below meets two of them or none.
    std::vector<GovernanceInput> inputs{
        {"servicecomb.matchGroup.w", "matches:\n  - method: [POST]\n", "t"},
        {"servicecomb.matchGroup.o", "matches:\n  - apiPath:\n      prefix: /orders\n", "t"},
        {"servicecomb.matchGroup.v", "matches:\n  - headers:\n      x-vip:\n        exact: yes\n",
         "t"},
        {"servicecomb.retry.w", "order: 1\nmaxAttempts: 2", "t"},
        {"servicecomb.retry.o", "order: 2\nmaxAttempts: 2", "t"},
        {"servicecomb.rateLimiting.o", "order: 0\nrate: 10", "t"},
        {"servicecomb.rateLimiting.v", "order: 1\nrate: 10", "t"},
        {"servicecomb.circuitBreaker.v", "order: 0\nminimumNumberOfCalls: 10", "t"},
        {"servicecomb.circuitBreaker.w", "order: 5\nminimumNumberOfCalls: 10", "t"},
        {"servicecomb.instanceIsolation.o", "minimumNumberOfCalls: 10", "t"},
        {"servicecomb.bulkhead.v", "order: 0\nmaxConcurrentCalls: 5", "t"},
        {"servicecomb.bulkhead.w", "order: 1\nmaxConcurrentCalls: 5", "t"},
        {"servicecomb.loadbalance.v", "rule: Random", "t"},
        {"servicecomb.faultInjection.w", "type: delay\ndelayTime: 10\npercentage: 0", "t"},
        {"servicecomb.timeLimiter.o", "order: 0\ntimeoutDuration: 1000", "t"},
        {"servicecomb.timeLimiter.w", "order: 3\ntimeoutDuration: 1000", "t"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    struct Case {
        RequestView request;
        // rateLimiting bulkhead circuitBreaker faultInjection retry timeLimiter isolation lb
        std::vector<std::string> expected;
    };
    std::vector<Case> cases{
        {to_orders("POST", "/orders/1"), {"o", "w", "w", "w", "w", "o", "o", "-"}},
        {to_orders("GET", "/orders/1"), {"o", "v", "v", "-", "o", "o", "o", "v"}},
        {to_orders("POST", "/x"), {"v", "v", "v", "w", "w", "w", "-", "v"}},
        {to_orders("GET", "/x"), {"-", "-", "-", "-", "-", "-", "-", "-"}},
    };
    cases[1].request.headers["X-Vip"] = "yes";
    cases[2].request.headers["x-vip"] = "yes";
    const auto all = [&](auto& lookups) {
        return std::vector<std::string>{name_of(s->rate_limit_for(lookups)),
                                        name_of(s->bulkhead_for(lookups)),
                                        name_of(s->circuit_breaker_for(lookups)),
                                        name_of(s->fault_injection_for(lookups)),
                                        name_of(s->retry_for(lookups)),
                                        name_of(s->time_limiter_for(lookups)),
                                        name_of(s->instance_isolation_for(lookups)),
                                        name_of(s->loadbalance_for(lookups))};
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const RequestView& request = cases[i].request;
        MatchedGroups matched(*s, request);
        EXPECT_EQ(all(matched), cases[i].expected) << "case " << i << ", one call";
        EXPECT_EQ(all(matched), cases[i].expected) << "case " << i << ", asked again";
        EXPECT_EQ(all(request), cases[i].expected) << "case " << i << ", separate lookups";
    }
}

TEST(MatchedGroups, AGoRateLimitPrefersTheMarkerAndAJavaPolicyOnlyAMatchGroup) {
    // One name, two different traffic markers: go-chassis's `servicecomb.match.x` (GET) and
    // java-chassis's `servicecomb.matchGroup.x` (POST); and a marker with no matchGroup twin.
    std::vector<GovernanceInput> inputs{
        {"servicecomb.match.x", "matches:\n  - method: [GET]\n", "t"},
        {"servicecomb.matchGroup.x", "matches:\n  - method: [POST]\n", "t"},
        {"servicecomb.match.marker-only", "matches:\n  - method: [PUT]\n", "t"},
        {"servicecomb.rateLimiting.go-limit", "match: x\nrate: 7\n", "t"},
        {"servicecomb.retry.x", "maxAttempts: 2", "t"},
        {"servicecomb.rateLimiting.marker-only", "rate: 9", "t"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    RequestView get;
    get.method = "GET";
    RequestView post;
    post.method = "POST";
    RequestView put;
    put.method = "PUT";
    MatchedGroups get_call(*s, get);
    MatchedGroups post_call(*s, post);
    MatchedGroups put_call(*s, put);
    // The go-chassis limit follows the marker x, not the matchGroup x.
    EXPECT_EQ(name_of(s->rate_limit_for(get_call)), "go-limit");
    EXPECT_EQ(name_of(s->rate_limit_for(post_call)), "-");
    EXPECT_EQ(name_of(s->rate_limit_for(get)), "go-limit");
    // A java-chassis policy follows the matchGroup of its name only.
    EXPECT_EQ(name_of(s->retry_for(post_call)), "x");
    EXPECT_EQ(name_of(s->retry_for(get_call)), "-");
    EXPECT_EQ(name_of(s->retry_for(post)), "x");
    EXPECT_EQ(name_of(s->rate_limit_for(put_call)), "-");
    EXPECT_EQ(name_of(s->rate_limit_for(put)), "-");
}

TEST(MatchedGroups, AGroupIsJudgedOncePerCall) {
    std::vector<GovernanceInput> inputs{
        {"servicecomb.matchGroup.reads", "matches:\n  - method: [GET]\n", "t"},
        {"servicecomb.retry.reads", "maxAttempts: 2", "t"},
        {"servicecomb.bulkhead.reads", "maxConcurrentCalls: 2", "t"},
    };
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    RequestView request;
    request.method = "GET";
    MatchedGroups matched(*s, request);
    ASSERT_NE(s->retry_for(matched), nullptr);
    // The bulkhead lookup reuses the verdict the retry lookup reached: it does not look at the
    // request again (changed here only to show that).
    request.method = "POST";
    EXPECT_NE(s->bulkhead_for(matched), nullptr);
    EXPECT_EQ(s->bulkhead_for(request), nullptr);
}

TEST(MatchedGroups, MoreGroupsThanTheInlineRoomStillMatchTheRightOne) {
    std::vector<GovernanceInput> inputs;
    for (int i = 0; i < 300; ++i) {
        const std::string name = "g" + std::to_string(1000 + i);
        inputs.push_back({"servicecomb.matchGroup." + name,
                          "matches:\n  - apiPath:\n      exact: /p" + std::to_string(i) + "\n",
                          "t"});
        inputs.push_back({"servicecomb.retry." + name, "maxAttempts: 2", "t"});
        inputs.push_back({"servicecomb.timeLimiter." + name,
                          "timeoutDuration: " + std::to_string(100 + i), "t"});
    }
    auto s = GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
    for (int i : {0, 127, 128, 299}) {
        RequestView request;
        request.path = "/p" + std::to_string(i);
        MatchedGroups matched(*s, request);
        ASSERT_NE(s->retry_for(matched), nullptr) << i;
        EXPECT_EQ(s->retry_for(matched)->meta.name, "g" + std::to_string(1000 + i));
        ASSERT_NE(s->time_limiter_for(matched), nullptr) << i;
        EXPECT_EQ(s->time_limiter_for(matched)->timeout_duration,
                  std::chrono::milliseconds(100 + i));
    }
}

}  // namespace
}  // namespace scagent::plugins::governance
