#include "agent/governance/governance_store.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <map>
#include <string>

#include "agent/api/governance_routes.hpp"
#include "metrics/metrics_registry.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/agent/governance/store_test_support.hpp"

namespace scagent::governance {
namespace {

using test::kv;
using test::listed;
using test::unreachable;
namespace gov = plugins::governance;

class GovernanceStoreTest : public ::testing::Test {
  protected:
    GovernanceStoreOptions options(std::string file = "") {
        GovernanceStoreOptions o;
        o.kie_addresses = {"http://127.0.0.1:1"};
        o.identity = {"shop", "orders", "1.0.0", "production"};
        o.governance_file = std::move(file);
        return o;
    }
    std::unique_ptr<GovernanceStore> make(std::string file = "") {
        return std::make_unique<GovernanceStore>(ioc_.get_executor(), transport_, &metrics_,
                                                 options(std::move(file)));
    }
    static const gov::ItemReport* item(const GovernanceStore& store, std::string_view key,
                                       std::string_view source) {
        for (const auto& report : store.snapshot()->items()) {
            if (report.key == key && report.source == source) {
                return &report;
            }
        }
        return nullptr;
    }
    static const SourceStatus& source(const GovernanceStore& store, std::string_view name) {
        for (const auto& status : store.view()->sources) {
            if (status.name == name) {
                return status;
            }
        }
        throw std::runtime_error("no source " + std::string(name));
    }

    boost::asio::io_context ioc_;
    test::UnusedTransport transport_;
    metrics::MetricsRegistry registry_;
    GovernanceMetrics metrics_{registry_};
};

TEST_F(GovernanceStoreTest, PollsTheThreeJavaChassisDimensionsWithEnvironmentAlwaysSent) {
    const auto dimensions = kie_dimensions({"shop", "orders", "1.0.0", ""});
    ASSERT_EQ(dimensions.size(), 3u);
    EXPECT_EQ(dimensions[0].name, "app");
    using Labels = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(dimensions[0].labels, (Labels{{"app", "shop"}, {"environment", ""}}));
    EXPECT_EQ(dimensions[1].labels,
              (Labels{{"app", "shop"}, {"service", "orders"}, {"environment", ""}}));
    EXPECT_EQ(
        dimensions[2].labels,
        (Labels{
            {"app", "shop"}, {"service", "orders"}, {"environment", ""}, {"version", "1.0.0"}}));
    EXPECT_EQ(kie_dimensions({"shop", "", "", "testing"}).size(), 1u);
    EXPECT_EQ(make()->dimension_count(), 3u);
}

TEST_F(GovernanceStoreTest, SeveralLocalServicesPollEveryServicesDimensionsOnce) {
    const std::vector<GovernanceIdentity> identities{{"shop", "orders", "1.0.0", ""},
                                                     {"shop", "billing", "2.0.0", ""},
                                                     {"shop", "orders", "1.0.0", ""}};
    const auto dimensions = kie_dimensions(identities);
    std::vector<std::string> names;
    for (const auto& dimension : dimensions) {
        names.push_back(dimension.name);
    }
    // One app dimension (shared labels), then each service's, then each version's.
    EXPECT_EQ(names, (std::vector<std::string>{"app", "service:shop/orders", "service:shop/billing",
                                               "version:shop/orders/1.0.0",
                                               "version:shop/billing/2.0.0"}));
    using Labels = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(dimensions[2].labels,
              (Labels{{"app", "shop"}, {"service", "billing"}, {"environment", ""}}));

    GovernanceStoreOptions options;
    options.kie_addresses = {"http://127.0.0.1:1"};
    options.identity = identities[0];
    options.other_identities = {identities[1]};
    GovernanceStore store(ioc_.get_executor(), transport_, nullptr, options);
    EXPECT_EQ(store.dimension_count(), 5u);
    // billing's item (services: billing) applies too: it is a local service of this host.
    ASSERT_TRUE(store.apply_list_result(
        2,
        listed({kv("servicecomb.loadbalance.b", "rule: Random\nservices: billing\n", "enabled", 3)},
               3)));
    ASSERT_EQ(store.snapshot()->loadbalances().size(), 1u);
    EXPECT_EQ(store.snapshot()->items()[0].source, "kie:service:shop/billing");
}

TEST_F(GovernanceStoreTest, StartsEmptyAndPendingWithANonNullSnapshot) {
    auto store = make();
    ASSERT_NE(store->snapshot(), nullptr);
    EXPECT_TRUE(store->snapshot()->items().empty());
    EXPECT_EQ(source(*store, "app").state, "pending");
}

// With a background executor (the daemon's), a change's rules are parsed and the snapshot built
// there, not on the store's strand (an I/O thread), and the views land in the order of the
// changes.
TEST_F(GovernanceStoreTest, WithABackgroundExecutorRulesAreBuiltOffTheStrandAndLandInOrder) {
    boost::asio::io_context background;
    auto o = options();
    o.background = background.get_executor();
    GovernanceStore store(ioc_.get_executor(), transport_, &metrics_, o);
    const auto before = store.view();
    ASSERT_TRUE(
        store.apply_list_result(0, listed({kv("servicecomb.retry.r", "maxAttempts: 1")}, 7)));
    ASSERT_TRUE(
        store.apply_list_result(1, listed({kv("servicecomb.retry.r", "maxAttempts: 3")}, 8)));

    ioc_.poll();  // the strand hands both builds over...
    EXPECT_EQ(store.view(), before) << "a build ran on the strand";
    background.poll();  // ...they run here...
    EXPECT_EQ(store.view(), before) << "installing is the strand's job";
    ioc_.poll();  // ...and land back on the strand, the later change last.
    ASSERT_EQ(store.snapshot()->retries().size(), 1u);
    EXPECT_EQ(store.snapshot()->retries()[0]->max_attempts, 3);
    EXPECT_EQ(store.view()->generation, before->generation + 2);
}

TEST_F(GovernanceStoreTest, LaterDimensionOverridesEarlierOnTheSameKey) {
    auto store = make();
    ASSERT_TRUE(
        store->apply_list_result(0, listed({kv("servicecomb.retry.r", "maxAttempts: 1"),
                                            kv("servicecomb.bulkhead.b", "maxConcurrentCalls: 5")},
                                           7)));
    ASSERT_TRUE(
        store->apply_list_result(1, listed({kv("servicecomb.retry.r", "maxAttempts: 2")}, 7)));
    ASSERT_TRUE(
        store->apply_list_result(2, listed({kv("servicecomb.retry.r", "maxAttempts: 4")}, 7)));

    const auto snapshot = store->snapshot();
    ASSERT_EQ(snapshot->retries().size(), 1u);
    EXPECT_EQ(snapshot->retries()[0]->max_attempts, 4);
    ASSERT_EQ(snapshot->bulkheads().size(), 1u);  // a key only the app dimension has stays
    const auto* overridden = item(*store, "servicecomb.retry.r", "kie:app");
    ASSERT_NE(overridden, nullptr);
    EXPECT_EQ(overridden->status, gov::ItemStatus::kIgnored);
    ASSERT_FALSE(overridden->notes.empty());
    EXPECT_EQ(overridden->notes[0], "overridden by the item from kie:version");
    EXPECT_EQ(item(*store, "servicecomb.retry.r", "kie:version")->status,
              gov::ItemStatus::kApplied);
    EXPECT_EQ(source(*store, "service").revision, 7);
}

TEST_F(GovernanceStoreTest, OnlyEnabledItemsApply) {
    auto store = make();
    ASSERT_TRUE(store->apply_list_result(
        0, listed({kv("servicecomb.retry.on", "maxAttempts: 1"),
                   kv("servicecomb.retry.off", "maxAttempts: 2", "disabled"),
                   kv("servicecomb.retry.blank", "maxAttempts: 2", "")},
                  3)));
    const auto snapshot = store->snapshot();
    ASSERT_EQ(snapshot->retries().size(), 1u);
    EXPECT_EQ(snapshot->retries()[0]->meta.name, "on");
    EXPECT_EQ(item(*store, "servicecomb.retry.off", "kie:app"), nullptr);
    EXPECT_EQ(source(*store, "app").items, 1u);
}

TEST_F(GovernanceStoreTest, InvalidItemIsReportedWhileTheOthersApply) {
    auto store = make();
    ASSERT_TRUE(
        store->apply_list_result(1, listed({kv("servicecomb.rateLimiting.bad", "rate: -1"),
                                            kv("servicecomb.rateLimiting.good", "rate: 10"),
                                            kv("servicecomb.retry.broken", "maxAttempts: [oops")},
                                           5)));
    const auto snapshot = store->snapshot();
    ASSERT_EQ(snapshot->rate_limits().size(), 1u);
    EXPECT_EQ(snapshot->rate_limits()[0]->rate, 10);
    const auto* bad = item(*store, "servicecomb.rateLimiting.bad", "kie:service");
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(bad->status, gov::ItemStatus::kRejected);
    ASSERT_EQ(bad->errors.size(), 1u);
    EXPECT_NE(bad->errors[0].find("rate"), std::string::npos) << bad->errors[0];
    EXPECT_EQ(item(*store, "servicecomb.retry.broken", "kie:service")->status,
              gov::ItemStatus::kRejected);
    EXPECT_EQ(metrics_.items("rateLimiting", "loaded"), 1);
    EXPECT_EQ(metrics_.items("rateLimiting", "rejected"), 1);
    EXPECT_EQ(metrics_.items("retry", "rejected"), 1);
    EXPECT_NE(registry_.exposition().find(
                  "sc_agent_governance_items{kind=\"rateLimiting\",status=\"rejected\"} 1"),
              std::string::npos);
}

TEST_F(GovernanceStoreTest, UnreachableKieKeepsTheLastGoodItems) {
    auto store = make();
    ASSERT_TRUE(
        store->apply_list_result(0, listed({kv("servicecomb.retry.r", "maxAttempts: 2")}, 9)));
    EXPECT_FALSE(store->apply_list_result(0, unreachable()));
    EXPECT_FALSE(store->apply_list_result(0, unreachable()));

    ASSERT_EQ(store->snapshot()->retries().size(), 1u);
    EXPECT_EQ(store->snapshot()->retries()[0]->max_attempts, 2);
    const auto& app = source(*store, "app");
    EXPECT_EQ(app.state, "error");
    EXPECT_NE(app.error.find("connection refused"), std::string::npos) << app.error;
    EXPECT_EQ(app.revision, 9);
    EXPECT_EQ(app.items, 1u);

    // Back: the new answer replaces the items, the error clears.
    ASSERT_TRUE(store->apply_list_result(0, listed({}, 10)));
    EXPECT_TRUE(store->snapshot()->retries().empty());
    EXPECT_EQ(source(*store, "app").state, "ok");
    EXPECT_TRUE(source(*store, "app").error.empty());
}

TEST_F(GovernanceStoreTest, NotModifiedDoesNotRepublish) {
    auto store = make();
    ASSERT_TRUE(
        store->apply_list_result(0, listed({kv("servicecomb.retry.r", "maxAttempts: 2")}, 9)));
    const auto before = store->view();
    plugins::servicecomb::KieListResult not_modified;
    not_modified.not_modified = true;
    ASSERT_TRUE(store->apply_list_result(0, not_modified));
    EXPECT_EQ(store->view(), before);
    EXPECT_EQ(store->snapshot()->retries().size(), 1u);
}

TEST_F(GovernanceStoreTest, FileItemsAreOverriddenByKieAndABrokenFileKeepsTheLastGood) {
    test::TempDir dir;
    const auto path = dir.write("governance.yaml",
                                "servicecomb.retry.r: \"maxAttempts: 1\"\n"
                                "servicecomb.bulkhead.local:\n"
                                "  maxConcurrentCalls: 3\n");
    auto store = make(path);
    store->reload_file();
    ASSERT_EQ(store->snapshot()->bulkheads().size(), 1u);
    EXPECT_EQ(store->snapshot()->bulkheads()[0]->max_concurrent_calls, 3);
    EXPECT_EQ(store->snapshot()->retries()[0]->max_attempts, 1);
    EXPECT_EQ(source(*store, path).state, "ok");

    ASSERT_TRUE(
        store->apply_list_result(0, listed({kv("servicecomb.retry.r", "maxAttempts: 5")}, 2)));
    EXPECT_EQ(store->snapshot()->retries()[0]->max_attempts, 5);

    dir.write("governance.yaml", "servicecomb.retry.r: [unclosed\n");
    store->reload_file();
    EXPECT_EQ(store->snapshot()->bulkheads().size(), 1u);
    const auto& file = source(*store, path);
    EXPECT_EQ(file.state, "error");
    EXPECT_NE(file.error.find(path + ":"), std::string::npos) << file.error;

    dir.write("governance.yaml", "servicecomb.bulkhead.local: \"maxConcurrentCalls: 4\"\n");
    store->reload_file();
    EXPECT_EQ(store->snapshot()->bulkheads()[0]->max_concurrent_calls, 4);
    EXPECT_EQ(source(*store, path).state, "ok");
}

/// Nine levels of ten aliases each: ~40 bytes per line, 10^9 strings once expanded.
std::string billion_laughs() {
    std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int level = 1; level <= 9; ++level) {
        const std::string previous = "*l" + std::to_string(level - 1);
        text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i) {
            text += (i == 0 ? "" : ", ") + previous;
        }
        text += "]\n";
    }
    return text;
}

TEST_F(GovernanceStoreTest, SelfReferencingAndExplodingAliasesAreRejectedAndTheRouteAnswers) {
    auto store = make();
    ASSERT_TRUE(store->apply_list_result(
        0, listed({kv("servicecomb.retry.good", "maxAttempts: 2"),
                   kv("servicecomb.retry.loop", "maxAttempts: &a [*a]"),
                   kv("servicecomb.rateLimiting.laughs", billion_laughs())},
                  3)));
    ASSERT_EQ(store->snapshot()->retries().size(), 1u);
    EXPECT_EQ(store->snapshot()->retries()[0]->max_attempts, 2);
    for (const char* key : {"servicecomb.retry.loop", "servicecomb.rateLimiting.laughs"}) {
        const auto* report = item(*store, key, "kie:app");
        ASSERT_NE(report, nullptr) << key;
        EXPECT_EQ(report->status, gov::ItemStatus::kRejected) << key;
        ASSERT_FALSE(report->errors.empty()) << key;
    }
    EXPECT_NE(item(*store, "servicecomb.retry.loop", "kie:app")->errors[0].find("alias"),
              std::string::npos);

    // The route walks every item's YAML: bounded, it answers, showing the rejected text raw.
    const auto body = api::governance_json(*store->view());
    std::map<std::string, nlohmann::json> by_key;
    for (const auto& entry : body["items"]) {
        by_key[entry["key"].get<std::string>()] = entry;
    }
    EXPECT_EQ(by_key["servicecomb.retry.good"]["spec"]["maxAttempts"], "2");
    EXPECT_EQ(by_key["servicecomb.retry.loop"]["status"], "rejected");
    EXPECT_EQ(by_key["servicecomb.retry.loop"]["spec"], "maxAttempts: &a [*a]");
    EXPECT_EQ(by_key["servicecomb.rateLimiting.laughs"]["spec"], billion_laughs());
}

TEST_F(GovernanceStoreTest, AFileWithAnExplodingAliasKeepsTheLastGoodItems) {
    test::TempDir dir;
    const auto path = dir.write("governance.yaml", "servicecomb.retry.r: \"maxAttempts: 3\"\n");
    auto store = make(path);
    store->reload_file();
    ASSERT_EQ(store->snapshot()->retries().size(), 1u);

    for (const std::string& text : {std::string("servicecomb.retry.r: &a {maxAttempts: *a}\n"),
                                    "servicecomb.retry.r:\n" + billion_laughs()}) {
        dir.write("governance.yaml", text);
        store->reload_file();
        ASSERT_EQ(store->snapshot()->retries().size(), 1u) << text;
        EXPECT_EQ(store->snapshot()->retries()[0]->max_attempts, 3);
        EXPECT_EQ(source(*store, path).state, "error");
        EXPECT_NE(source(*store, path).error.find(path + ":"), std::string::npos);
    }
}

TEST_F(GovernanceStoreTest, RestoredInputsApplyUntilKieAnswers) {
    auto first = make();
    ASSERT_TRUE(first->apply_list_result(
        1, listed({kv("servicecomb.retry.r", "maxAttempts: 2", "enabled", 4)}, 4)));
    const auto saved = first->inputs();
    ASSERT_EQ(saved.size(), 1u);
    EXPECT_EQ(saved[0], (RawInput{"servicecomb.retry.r", "maxAttempts: 2", "kie:service", 4}));

    auto second = make();
    second->restore(saved);
    ASSERT_EQ(second->snapshot()->retries().size(), 1u);
    EXPECT_EQ(source(*second, "service").state, "restored");
    EXPECT_FALSE(second->apply_list_result(1, unreachable()));
    EXPECT_EQ(second->snapshot()->retries().size(), 1u);
    ASSERT_TRUE(second->apply_list_result(1, listed({}, 5)));
    EXPECT_TRUE(second->snapshot()->retries().empty());
}

TEST_F(GovernanceStoreTest, RouteBodySaysWhichPoliciesAreEnforcedAndWhichAreOnlyParsed) {
    auto store = make();
    ASSERT_TRUE(store->apply_list_result(
        0, listed({kv("servicecomb.matchGroup.g", "matches:\n  - apiPath:\n      prefix: /a\n",
                      "enabled", 1),
                   kv("servicecomb.loadbalance.g", "rule: Random", "enabled", 2),
                   kv("servicecomb.instanceIsolation.g", "minimumNumberOfCalls: 1", "enabled", 3),
                   kv("servicecomb.retry.g", "maxAttempts: 2", "enabled", 4),
                   kv("servicecomb.rateLimiting.g", "rate: 10", "enabled", 5),
                   kv("servicecomb.circuitBreaker.g", "minimumNumberOfCalls: 1", "enabled", 6),
                   kv("servicecomb.bulkhead.g", "maxConcurrentCalls: 1", "enabled", 7),
                   kv("servicecomb.faultInjection.g",
                      "type: abort\npercentage: 50\nerrorCode: 500\n", "enabled", 8),
                   kv("servicecomb.retry.bad", "maxAttempts: -1", "enabled", 9)},
                  9)));
    const auto body = api::governance_json(*store->view());
    std::map<std::string, nlohmann::json> by_key;
    for (const auto& item : body["items"]) {
        by_key[item["key"].get<std::string>()] = item;
    }
    for (const char* kind : {"matchGroup", "loadbalance", "instanceIsolation", "retry"}) {
        const auto& item = by_key["servicecomb." + std::string(kind) + ".g"];
        EXPECT_EQ(item["status"], "ok") << kind;
        EXPECT_EQ(item["enforcement"], "enforced") << kind;
    }
    for (const char* kind : {"rateLimiting", "circuitBreaker", "bulkhead", "faultInjection"}) {
        const auto& item = by_key["servicecomb." + std::string(kind) + ".g"];
        EXPECT_EQ(item["status"], "ok") << kind << " " << item.dump();
        EXPECT_EQ(item["enforcement"], "enforced") << kind;
        ASSERT_EQ(body["effective"][kind].size(), 1u) << kind;
        EXPECT_EQ(body["effective"][kind][0]["status"], "enforced") << kind;
    }
    for (const char* kind : {"loadbalance", "instanceIsolation"}) {
        ASSERT_EQ(body["effective"][kind].size(), 1u) << kind;
        EXPECT_EQ(body["effective"][kind][0]["status"], "enforced") << kind;
    }
    // A rejected item is neither: it is not in force at all.
    EXPECT_EQ(by_key["servicecomb.retry.bad"]["status"], "rejected");
    EXPECT_FALSE(by_key["servicecomb.retry.bad"].contains("enforcement"));
}

TEST_F(GovernanceStoreTest, RouteBodyShowsSourcesStatusErrorsAndSpec) {
    auto store = make();
    ASSERT_TRUE(store->apply_list_result(
        0, listed({kv("servicecomb.matchGroup.g", "matches:\n  - apiPath:\n      prefix: /a\n",
                      "enabled", 11),
                   kv("servicecomb.retry.g", "maxAttempts: 0", "enabled", 12)},
                  12)));
    const auto body = api::governance_json(*store->view());
    ASSERT_EQ(body["sources"].size(), 3u);
    EXPECT_EQ(body["sources"][0]["dimension"], "app");
    EXPECT_EQ(body["sources"][0]["revision"], 12);
    EXPECT_EQ(body["sources"][0]["labels"]["environment"], "production");
    EXPECT_EQ(body["sources"][1]["state"], "pending");
    ASSERT_EQ(body["items"].size(), 2u);
    EXPECT_EQ(body["items"][0]["status"], "ok");
    EXPECT_EQ(body["items"][0]["kind"], "matchGroup");
    EXPECT_EQ(body["items"][0]["revision"], 11);
    EXPECT_EQ(body["items"][0]["spec"]["matches"][0]["apiPath"]["prefix"], "/a");
    EXPECT_EQ(body["items"][1]["status"], "rejected");
    EXPECT_FALSE(body["items"][1]["errors"].empty());
    EXPECT_EQ(body["effective"]["matchGroup"], nlohmann::json::array({"g"}));
    EXPECT_TRUE(body["effective"]["retry"].empty());
    EXPECT_EQ(body["counts"]["retry"]["rejected"], 1);
}

TEST(GovernanceMetricsTest, ActionCountersStayWithTheirOwnRegistryOnOneThread) {
    // Each thread remembers the counters it used; two metrics objects must not share them.
    metrics::MetricsRegistry first_registry;
    metrics::MetricsRegistry second_registry;
    GovernanceMetrics first(first_registry);
    GovernanceMetrics second(second_registry);
    first.action("loadbalance", "picked").Increment();
    first.action("loadbalance", "picked").Increment();
    second.action("loadbalance", "picked").Increment();
    first.action("retry", "retried").Increment();
    EXPECT_EQ(first.action("loadbalance", "picked").Value(), 2.0);
    EXPECT_EQ(second.action("loadbalance", "picked").Value(), 1.0);
    EXPECT_EQ(first.action("retry", "retried").Value(), 1.0);
    EXPECT_EQ(second.action("retry", "retried").Value(), 0.0);
    EXPECT_NE(second_registry.exposition().find(
                  R"(sc_agent_governance_actions_total{action="picked",kind="loadbalance"} 1)"),
              std::string::npos)
        << second_registry.exposition();
}

}  // namespace
}  // namespace scagent::governance
