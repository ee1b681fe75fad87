// Kie (spec §3) replaying REF §7.7, plus revisions and long polling.
#include <future>

#include "agent/dev_registry/kie_store.hpp"
#include "tests/integration/dev_registry/registry_fixture.hpp"

namespace scagent::dev_registry {
namespace {

using Json = nlohmann::json;

class KieTest : public RegistryFixture {
  protected:
    Json create(const std::string& body) {
        auto r = kie_->post("/v1/default/kie/kv", body);
        EXPECT_EQ(r.status, 200u) << r.body;
        return r.status == 200 ? r.json() : Json();
    }
};

TEST_F(KieTest, Ref77ConfigurationLifecycle) {
    // REF §7.7.1's request has trailing commas; Go's decoder rejects it, and so do we.
    auto literal = kie_->post("/v1/default/kie/kv", R"({
  "key": "String",
  "value": "String",
  "labels": {
    "key1": "value1",
    "key2": "value2",
  },
  "status": "String",
  "value_type": "String"
})");
    EXPECT_EQ(literal.status, 400u);
    EXPECT_EQ(literal.json()["errorCode"], "400001");

    auto doc = create(R"({"key":"string","value":"string",
                          "labels":{"key1":"value1","key2":"value2"},
                          "status":"enabled","value_type":"text"})");
    // Apache returns the flat KVDoc (REF wraps it in "kie"); id = sha256 of the key.
    // sha256("default/default/string/key1=value1::key2=value2")
    EXPECT_EQ(doc["id"], "5e067713e445a97623af4b5ca8b5a900eb5c2b98e3e1fc6b1f1ebcca889b3b24");
    EXPECT_EQ(doc["key"], "string");
    EXPECT_EQ(doc["labels"], (Json{{"key1", "value1"}, {"key2", "value2"}}));
    EXPECT_EQ(doc["value_type"], "text");
    EXPECT_EQ(doc["status"], "enabled");
    EXPECT_TRUE(doc["create_time"].is_number());
    EXPECT_EQ(doc["create_revision"], doc["update_revision"]);
    const std::string id = doc["id"];

    // §7.7.2 modify.
    auto updated =
        kie_->put("/v1/default/kie/kv/" + id, R"({"value":"this is a test","status":"enabled"})");
    ASSERT_EQ(updated.status, 200u);
    EXPECT_EQ(updated.json()["value"], "this is a test");
    EXPECT_GT(updated.json()["update_revision"], doc["update_revision"]);

    // §7.7.3 get, §7.7.4 list.
    EXPECT_EQ(kie_->get("/v1/default/kie/kv/" + id).json()["value"], "this is a test");
    auto list = kie_->get("/v1/default/kie/kv");
    ASSERT_EQ(list.status, 200u);
    EXPECT_EQ(list.json()["total"], 1);
    EXPECT_EQ(list.json()["data"][0]["id"], id);
    EXPECT_EQ(list.header("x-kie-revision"),
              std::to_string(updated.json()["update_revision"].get<int>()));

    // §7.7.5 delete (204), then 404001; §7.7.6 delete many (204 even for unknown ids).
    EXPECT_EQ(kie_->del("/v1/default/kie/kv/" + id).status, 204u);
    auto missing = kie_->get("/v1/default/kie/kv/" + id);
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(missing.json()["errorCode"], "404001");
    EXPECT_EQ(missing.json()["errorMessage"], "record does not exist");
    EXPECT_EQ(kie_->del("/v1/default/kie/kv", R"({"ids":["id1","id2"]})").status, 204u);
}

TEST_F(KieTest, CreateDefaultsIdAndConflict) {
    auto doc = create(R"({"key":"servicecomb.retry.r1","value":"maxAttempts: 3"})");
    EXPECT_EQ(doc["status"], "disabled");
    EXPECT_EQ(doc["value_type"], "text");
    // sha256("default/default/servicecomb.retry.r1/none")
    EXPECT_EQ(doc["id"], "e38c44d1ab57241f1a9fdeb91f5aaf75c83027fbe94a1b42daac669813a7d895");
    auto again = kie_->post("/v1/default/kie/kv", R"({"key":"servicecomb.retry.r1"})");
    EXPECT_EQ(again.status, 409u);
    EXPECT_EQ(again.json()["errorCode"], "409001");
    EXPECT_NE(again.body.find("\n \"errorCode\""), std::string::npos);  // pretty-printed
    // Same key with other labels is another KV.
    create(R"({"key":"servicecomb.retry.r1","labels":{"app":"a"}})");
    for (const auto* bad :
         {R"({"key":"bad key"})", R"({"key":"k","status":"on"})",
          R"({"key":"k","value_type":"toml"})", R"({"key":"k","labels":{"-bad":"v"}})",
          R"({"key":"k","labels":{"a":"1","b":"2","c":"3","d":"4","e":"5",
                                "f":"6","g":"7"}})"}) {
        auto r = kie_->post("/v1/default/kie/kv", bad);
        EXPECT_EQ(r.status, 400u) << bad;
    }
}

TEST_F(KieTest, ListFiltersByLabelsKeyAndStatus) {
    create(R"({"key":"servicecomb.matchGroup.g1","labels":{"app":"a","environment":""},
               "status":"enabled"})");
    create(R"({"key":"servicecomb.retry.g1","labels":{"app":"a","environment":"",
               "service":"s"}})");
    create(R"({"key":"other.key","labels":{"app":"b"},"status":"enabled"})");
    const auto total = [&](const std::string& query) {
        auto r = kie_->get("/v1/default/kie/kv?" + query);
        EXPECT_EQ(r.status, 200u) << query << ": " << r.body;
        return r.status == 200 ? r.json()["total"].get<int>() : -1;
    };
    EXPECT_EQ(total("label=app:a"), 2);
    EXPECT_EQ(total("label=app:a&label=environment:&match=exact"), 1);
    EXPECT_EQ(total("label=app:a&label=environment:"), 2);
    EXPECT_EQ(total("key=beginWith(servicecomb.)"), 2);
    EXPECT_EQ(total("key=wildcard(servicecomb.*.g1)"), 2);
    EXPECT_EQ(total("key=other.key"), 1);
    EXPECT_EQ(total("status=enabled"), 2);
    EXPECT_EQ(total(""), 3);  // disabled KVs are listed without status=
    auto page = kie_->get("/v1/default/kie/kv?offset=1&limit=1").json();
    EXPECT_EQ(page["total"], 3);
    EXPECT_EQ(page["data"].size(), 1u);
    EXPECT_EQ(kie_->get("/v1/default/kie/kv?label=bad").status, 400u);
    EXPECT_EQ(kie_->get("/v1/default/kie/kv?label=a:b:c").status, 400u);
    EXPECT_EQ(kie_->get("/v1/default/kie/kv?limit=101").status, 400u);
    EXPECT_EQ(kie_->get("/v1/default/kie/kv?wait=10s&key=x").status, 400u);
    auto wait = kie_->get("/v1/default/kie/kv?wait=6m");
    EXPECT_EQ(wait.status, 400u);
    EXPECT_EQ(wait.json()["errorCode"], "400003");
}

TEST_F(KieTest, RevisionGives304WhenUnchanged) {
    create(R"({"key":"k1"})");
    auto first = kie_->get("/v1/default/kie/kv");
    const auto rev = first.header("x-kie-revision");
    ASSERT_EQ(rev, "1");
    auto same = kie_->get("/v1/default/kie/kv?revision=" + rev);
    EXPECT_EQ(same.status, 304u);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(kie_->get("/v1/default/kie/kv?revision=-1").status, 200u);
    EXPECT_EQ(kie_->get("/v1/default/kie/kv?revision=99").status, 200u);  // higher: data now
    create(R"({"key":"k2"})");
    auto changed = kie_->get("/v1/default/kie/kv?revision=" + rev);
    EXPECT_EQ(changed.status, 200u);
    EXPECT_EQ(changed.header("x-kie-revision"), "2");
}

TEST_F(KieTest, LongPollWakesOnAMatchingChangeOnly) {
    create(R"({"key":"k0","labels":{"app":"a"}})");
    const auto rev = kie_->get("/v1/default/kie/kv").header("x-kie-revision");
    const auto port = registry_->kie_port();
    const auto poll = [port](const std::string& query) {
        return std::async(std::launch::async, [port, query] {
            test::HttpTestClient client("127.0.0.1", port, std::chrono::seconds(60));
            const auto begin = std::chrono::steady_clock::now();
            auto r = client.get("/v1/default/kie/kv?" + query);
            return std::make_pair(r, std::chrono::steady_clock::now() - begin);
        });
    };
    // Not matching: a change under app=b must not wake a poll on app=a; it times out with 304.
    auto quiet = poll("label=app:a&wait=2s&revision=" + rev);
    ASSERT_TRUE(test::eventually([&] { return registry_->kie().observer_count() == 1; }));
    create(R"({"key":"k1","labels":{"app":"b"}})");
    auto [quiet_response, quiet_elapsed] = quiet.get();
    EXPECT_EQ(quiet_response.status, 304u) << quiet_response.body;
    EXPECT_GE(quiet_elapsed, std::chrono::milliseconds(1900));

    // Matching: returns 200 with the fresh list well before its 30 s wait.
    const auto rev2 = kie_->get("/v1/default/kie/kv").header("x-kie-revision");
    auto woken = poll("label=app:a&wait=30s&revision=" + rev2);
    ASSERT_TRUE(test::eventually([&] { return registry_->kie().observer_count() == 1; }));
    create(R"({"key":"k2","labels":{"app":"a","service":"s"}})");
    auto response = woken.get().first;
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.json()["total"], 2);  // a poll left to its 30 s wait answers 304

    // Exact mode needs equal label sets: {app:a, service:s} does not wake an exact {app:a}.
    const auto rev3 = kie_->get("/v1/default/kie/kv").header("x-kie-revision");
    auto exact = poll("label=app:a&match=exact&wait=1s&revision=" + rev3);
    ASSERT_TRUE(test::eventually([&] { return registry_->kie().observer_count() == 1; }));
    create(R"({"key":"k3","labels":{"app":"a","service":"s"}})");
    EXPECT_EQ(exact.get().first.status, 304u);
}

TEST_F(KieTest, StopAnswersAHeldLongPollAtOnce) {
    const auto rev = kie_->get("/v1/default/kie/kv").header("x-kie-revision");
    auto held = std::async(std::launch::async, [port = registry_->kie_port(), rev] {
        test::HttpTestClient client("127.0.0.1", port, std::chrono::seconds(60));
        return client.get("/v1/default/kie/kv?label=app:a&wait=30s&revision=" + rev);
    });
    ASSERT_TRUE(test::eventually([&] { return registry_->kie().observer_count() == 1; }));
    sc_.reset();
    kie_.reset();
    auto& kie = registry_->kie();
    const auto observers_at_stop = [&] {
        registry_->stop();
        return kie.observer_count();
    };
    (void)observers_at_stop;
    // The io_context runs out of work only once the held poll has answered; before the fix
    // the server cut the connection at stop_grace and the poll kept it busy for its 30 s.
    runner_->stop();
    const auto response = held.get();
    EXPECT_EQ(response.status, 304u) << "the poll got no answer, only a closed connection";
    EXPECT_EQ(response.header("x-kie-revision"), rev);
}

TEST(KieLabels, MatchRules) {
    EXPECT_TRUE(labels_match({}, false, {{"a", "1"}}));
    EXPECT_TRUE(labels_match({{"a", "1"}}, false, {{"a", "1"}, {"b", "2"}}));
    EXPECT_FALSE(labels_match({{"a", "1"}}, true, {{"a", "1"}, {"b", "2"}}));
    EXPECT_TRUE(labels_match({{"a", "1"}, {"b", "2"}}, true, {{"a", "1"}, {"b", "2"}}));
    EXPECT_FALSE(labels_match({{"a", "2"}}, false, {{"a", "1"}}));
}

}  // namespace
}  // namespace scagent::dev_registry
