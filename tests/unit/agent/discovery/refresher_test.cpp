// Refresher against a scripted transport: batch-find bodies, revisions, X-ConsumerId, failures
// and hostile answers (indexes out of range), on a real io_context driven by the test thread.
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <deque>
#include <nlohmann/json.hpp>

#include "agent/discovery/refresher.hpp"
#include "discovery_test_support.hpp"

namespace scagent::discovery {
namespace {

using namespace std::chrono_literals;
namespace sc = plugins::servicecomb;
using nlohmann::json;

/// Answers requests from a script (a body, or a transport error when the entry is empty).
class ScriptedTransport final : public net::HttpTransport {
  public:
    std::deque<std::string> script;
    std::vector<plugins::HttpRequest> requests;

    boost::asio::awaitable<net::HttpResult> send(plugins::HttpRequest request,
                                                 net::Deadline) override {
        requests.push_back(std::move(request));
        std::string body = script.empty() ? R"({"services":{}})" : script.front();
        if (!script.empty()) {
            script.pop_front();
        }
        if (body.empty()) {
            co_return net::TransportError{.kind = net::TransportErrorKind::network,
                                          .message = "refused"};
        }
        plugins::HttpResponse response;
        response.status = 200;
        response.body = body;
        co_return response;
    }
};

std::string updated(const std::string& rev, const std::string& instance_id) {
    return json{{"services",
                 {{"updated",
                   {{{"index", 0},
                     {"rev", rev},
                     {"instances",
                      {{{"instanceId", instance_id},
                        {"serviceId", "s1"},
                        {"version", "1.0.0"},
                        {"endpoints", {"rest://10.0.0.1:8080"}},
                        {"status", "UP"}}}}}}}}}}
        .dump();
}

class RefresherTest : public ::testing::Test {
  protected:
    RefresherTest() {
        clients::RegistryClientOptions options;
        options.addresses = {"http://sc.test:30100"};
        client_ =
            std::make_unique<clients::RegistryClient>(transport_, plugins::system_clock(), options);
    }
    void make(std::chrono::milliseconds interval) {
        RefresherOptions options;
        options.interval = interval;
        options.housekeeping = 5ms;
        refresher_ = std::make_unique<Refresher>(
            boost::asio::make_strand(ioc_), *client_, cache_, [this] { return consumer_; },
            options);
        refresher_->set_on_key_failed([this](const CacheKey& key) { failed_.push_back(key); });
    }
    bool run_until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            ioc_.run_for(5ms);
        }
        return done();
    }
    json body(std::size_t i) const { return json::parse(transport_.requests.at(i).body); }
    std::string consumer_header(std::size_t i) const {
        const auto* value = transport_.requests.at(i).header(sc::kConsumerIdHeader);
        return value ? *value : "";
    }
    void TearDown() override {
        if (refresher_) {
            refresher_->stop();
            ioc_.run_for(20ms);
        }
    }

    boost::asio::io_context ioc_;
    ScriptedTransport transport_;
    std::unique_ptr<clients::RegistryClient> client_;
    InstanceCache cache_{plugins::system_clock()};
    std::unique_ptr<Refresher> refresher_;
    std::string consumer_ = "consumer-1";
    std::vector<CacheKey> failed_;
};

const CacheKey kStock{"shop", "stock", "testing"};

TEST_F(RefresherTest, AppliesAnAnswerThenSendsItsRevisionAndTakesNotModified) {
    cache_.track(kStock, true);
    transport_.script = {updated("r1", "i1"), R"({"services":{"notModified":[0]}})"};
    make(20ms);
    refresher_->start();
    ASSERT_TRUE(run_until([&] { return transport_.requests.size() >= 2; }));
    EXPECT_EQ(transport_.requests[0].target, "/v4/default/registry/instances/action?type=query");
    EXPECT_EQ(body(0)["services"][0]["service"]["serviceName"], "stock");
    EXPECT_EQ(body(0)["services"][0]["service"]["appId"], "shop");
    EXPECT_EQ(body(0)["services"][0]["service"]["environment"], "testing");
    EXPECT_FALSE(body(0)["services"][0].contains("rev"));
    EXPECT_EQ(body(1)["services"][0]["rev"], "r1");
    EXPECT_EQ(consumer_header(0), "consumer-1");
    auto set = cache_.peek(kStock).set;
    ASSERT_TRUE(set);
    ASSERT_EQ(set->set->instances.size(), 1U);
    EXPECT_EQ(set->set->instances[0].instance_id, "i1");
    EXPECT_EQ(set->set->instances[0].host, "10.0.0.1");
    EXPECT_EQ(set->source, Source::kLive);
}

TEST_F(RefresherTest, AFailedCallKeepsTheDataAsCacheAndReportsEveryKey) {
    cache_.track(kStock, true);
    transport_.script = {updated("r1", "i1"), "", ""};
    make(20ms);
    refresher_->start();
    ASSERT_TRUE(run_until([&] { return !failed_.empty(); }));
    EXPECT_EQ(failed_.front(), kStock);
    auto set = cache_.peek(kStock).set;
    ASSERT_TRUE(set);
    EXPECT_EQ(set->source, Source::kCache);
    EXPECT_EQ(set->set->instances.size(), 1U);
}

TEST_F(RefresherTest, HostileIndexesAreIgnoredAndAMissingServiceIsNotFound) {
    cache_.track(kStock, true);
    transport_.script = {
        R"({"services":{"updated":[{"index":7,"rev":"x"},{"index":-1,"rev":"y"}],)"
        R"("failed":[{"indexes":[0,0,3],"error":{"errorCode":"400012","errorMessage":"no"}}]}})"};
    make(1h);
    refresher_->start();
    ASSERT_TRUE(run_until([&] { return cache_.peek(kStock).set != nullptr; }));
    EXPECT_FALSE(cache_.peek(kStock).set->service_found);
}

TEST_F(RefresherTest, TheConsumerIdAppearingTriggersAFullRefreshAtOnceWhenSignalled) {
    consumer_.clear();
    cache_.track(kStock, true);
    make(1h);
    refresher_->start();
    ASSERT_TRUE(run_until([&] { return transport_.requests.size() == 1; }));
    EXPECT_EQ(consumer_header(0), "");
    consumer_ = "consumer-2";
    // What Discovery::consumer_changed does when the daemon sees the registration change.
    refresher_->refresh_all_soon();
    ASSERT_TRUE(run_until([&] { return transport_.requests.size() == 2; }));
    EXPECT_EQ(consumer_header(1), "consumer-2");
}

TEST_F(RefresherTest, RefreshSoonRefreshesOnlyThatServiceBeforeThePeriod) {
    const CacheKey other{"shop", "billing", "testing"};
    cache_.track(kStock, true);
    cache_.track(other, true);
    make(1h);
    refresher_->start();
    ASSERT_TRUE(run_until([&] { return transport_.requests.size() == 1; }));
    EXPECT_EQ(body(0)["services"].size(), 2U);
    refresher_->refresh_service_soon("shop", "stock");
    ASSERT_TRUE(run_until([&] { return transport_.requests.size() == 2; }));
    ASSERT_EQ(body(1)["services"].size(), 1U);
    EXPECT_EQ(body(1)["services"][0]["service"]["serviceName"], "stock");
}

}  // namespace
}  // namespace scagent::discovery
