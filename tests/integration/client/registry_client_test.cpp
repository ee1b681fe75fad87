#include "agent/clients/registry_client.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/net/http_client.hpp"
#include "plugins/api/fake_clock.hpp"
#include "tests/integration/client/client_test_support.hpp"
#include "tests/support/fake_http_server.hpp"
#include "tests/support/log_capture.hpp"

namespace scagent::testing {
namespace {

using namespace std::chrono_literals;
using clients::RegistryClient;
using clients::RegistryClientOptions;
using clients::RequestRecord;
namespace sc = plugins::servicecomb;

constexpr const char* kPassword = "hunter2-secret";

FakeReply json_reply(int status, std::string body) {
    return FakeReply{.status = status,
                     .body = std::move(body),
                     .headers = {{"Content-Type", "application/json"}}};
}

// A minimal service center: one service, one instance, optional RBAC with revocable tokens.
struct MiniRegistry {
    bool rbac = false;
    int tokens_issued = 0;
    int accepted_token = 0;  ///< only "Bearer t<accepted_token>" passes
    int heartbeats = 0;
    int unauthorized = 0;
    bool instance_exists = true;
    std::vector<FakeRequest> seen;

    FakeReply operator()(const FakeRequest& request) {
        seen.push_back(request);
        if (request.target == "/v4/token") {
            auto body = nlohmann::json::parse(request.body);
            if (body.value("password", "") != kPassword) {
                return json_reply(401, R"({"errorCode":"401202","errorMessage":"wrong"})");
            }
            accepted_token = ++tokens_issued;
            return json_reply(200, R"({"token":"t)" + std::to_string(tokens_issued) + "\"}");
        }
        if (rbac) {
            const auto* auth = request.header("Authorization");
            if (!auth || *auth != "Bearer t" + std::to_string(accepted_token)) {
                ++unauthorized;
                return json_reply(401, R"({"errorCode":"401201","errorMessage":"unauthorized"})");
            }
        }
        const std::string base = "/v4/default/registry";
        if (request.method == "POST" && request.target == base + "/microservices") {
            return json_reply(200, R"({"serviceId":"s1"})");
        }
        if (request.method == "POST" && request.target == base + "/microservices/s1/instances") {
            return json_reply(200, R"({"instanceId":"i1"})");
        }
        if (request.method == "PUT" &&
            request.target == base + "/microservices/s1/instances/i1/heartbeat") {
            ++heartbeats;
            if (!instance_exists) {
                return json_reply(400, R"({"errorCode":"400017","errorMessage":"gone"})");
            }
            return FakeReply{};
        }
        return json_reply(404, "no route");
    }
};

class RegistryClientTest : public ::testing::Test {
  protected:
    RegistryClientOptions options_for(std::vector<std::string> addresses) {
        RegistryClientOptions options;
        options.addresses = std::move(addresses);
        options.request_timeout = 2s;
        return options;
    }

    boost::asio::io_context ioc;
    plugins::FakeClock clock;
    MiniRegistry registry;
    FakeHttpServer server{ioc, [this](const FakeRequest& request) { return registry(request); }};
    net::HttpClient http{net::HttpClientOptions{}};
};

TEST_F(RegistryClientTest, CredentialsOverPlainHttpAreWarnedAboutNotOverHttps) {
    test::LogCapture log;
    auto options = options_for({"http://sc-a:30100", "https://sc-b:30100"});
    options.username = "ops";
    options.password = sc::Secret(kPassword);
    RegistryClient with_credentials(http, clock, options);
    EXPECT_TRUE(log.contains("travel unencrypted to http://sc-a:30100"));
    EXPECT_FALSE(log.contains("https://sc-b"));
    EXPECT_FALSE(log.contains(kPassword));

    test::LogCapture quiet;
    RegistryClient anonymous(http, clock, options_for({"http://sc-a:30100"}));
    RegistryClient https_only(http, clock, [&] {
        auto secure = options;
        secure.addresses = {"HTTPS://sc-b:30100"};
        return secure;
    }());
    EXPECT_FALSE(quiet.contains("unencrypted"));
}

TEST_F(RegistryClientTest, RegistersAndHeartbeatsWithTenantHeader) {
    auto options = options_for({server.origin()});
    options.domain = "tenant-a";
    RegistryClient client(http, clock, options);
    std::vector<std::string> operations;
    client.set_observer([&](const RequestRecord& record) {
        operations.emplace_back(record.operation);
        EXPECT_EQ(record.http_status, 200);
        EXPECT_EQ(record.error, nullptr);
    });

    sc::MicroService service{.app_id = "shop", .service_name = "cart", .version = "1.0.0"};
    auto service_id = run(ioc, client.create_service(service));
    ASSERT_TRUE(service_id.has_value()) << service_id.error().describe();
    EXPECT_EQ(*service_id, "s1");
    EXPECT_EQ(nlohmann::json::parse(registry.seen[0].body)["service"]["registerBy"], "SIDECAR");

    sc::MicroServiceInstance instance{.endpoints = {"rest://10.0.0.1:8080"}, .host_name = "h"};
    auto instance_id = run(ioc, client.register_instance("s1", instance));
    ASSERT_TRUE(instance_id.has_value()) << instance_id.error().describe();
    EXPECT_EQ(*instance_id, "i1");

    auto beat = run(ioc, client.heartbeat("s1", "i1"));
    ASSERT_TRUE(beat.has_value()) << beat.error().describe();

    for (const auto& request : registry.seen) {
        ASSERT_NE(request.header("X-Domain-Name"), nullptr);
        EXPECT_EQ(*request.header("X-Domain-Name"), "tenant-a");
        EXPECT_EQ(request.header("Authorization"), nullptr);
    }
    EXPECT_EQ(operations,
              (std::vector<std::string>{"create_service", "register_instance", "heartbeat"}));
    EXPECT_EQ(server.accepted(), 1);
}

TEST_F(RegistryClientTest, ServiceErrorsAreDecodedAndNotRetried) {
    registry.instance_exists = false;
    RegistryClient client(http, clock, options_for({server.origin(), dead_origin(ioc)}));
    auto beat = run(ioc, client.heartbeat("s1", "i1"));
    ASSERT_TRUE(beat.has_error());
    EXPECT_TRUE(beat.error().is(sc::codes::kInstanceNotExists)) << beat.error().describe();
    EXPECT_EQ(registry.heartbeats, 1);
    EXPECT_FALSE(client.address_pool().isolated(server.origin()));
}

TEST_F(RegistryClientTest, FailsOverToTheNextAddressAndIsolatesTheDeadOne) {
    const std::string dead = dead_origin(ioc);
    RegistryClient client(http, clock, options_for({dead, server.origin()}));
    std::vector<std::pair<std::string, bool>> attempts;
    client.set_observer([&](const RequestRecord& record) {
        attempts.emplace_back(std::string(record.address), record.error == nullptr);
    });

    // Round-robin starts at the dead address for the first call, and again after two turns.
    for (int i = 0; i < 6; ++i) {
        auto beat = run(ioc, client.heartbeat("s1", "i1"));
        ASSERT_TRUE(beat.has_value()) << beat.error().describe();
    }
    EXPECT_EQ(registry.heartbeats, 6);
    EXPECT_TRUE(client.address_pool().isolated(dead));
    int dead_attempts = 0;
    for (const auto& [address, ok] : attempts) {
        if (address == dead) {
            ++dead_attempts;
            EXPECT_FALSE(ok);
        }
    }
    EXPECT_EQ(dead_attempts, 3);  // isolated after the third failure: no further attempts

    // Past the isolation period the dead address gets one probe, then failover again.
    clock.advance(31s);
    attempts.clear();
    ASSERT_TRUE(run(ioc, client.heartbeat("s1", "i1")).has_value());
    ASSERT_TRUE(run(ioc, client.heartbeat("s1", "i1")).has_value());
    int probes = 0;
    for (const auto& [address, ok] : attempts) {
        probes += address == dead;
    }
    EXPECT_EQ(probes, 1);
}

TEST_F(RegistryClientTest, FirstRegistrationIsNotReplayedOnAnotherAddress) {
    RegistryClient client(http, clock, options_for({dead_origin(ioc), server.origin()}));
    sc::MicroServiceInstance fresh{.endpoints = {"rest://10.0.0.1:8080"}};
    auto first = run(ioc, client.register_instance("s1", fresh));
    ASSERT_TRUE(first.has_error());
    EXPECT_EQ(first.error().kind, sc::ErrorKind::network);

    fresh.instance_id = "i1";  // with the previous id the call is idempotent: failover applies
    auto again = run(ioc, client.register_instance("s1", fresh));
    ASSERT_TRUE(again.has_value()) << again.error().describe();
}

class RegistryClientRbacTest : public RegistryClientTest {
  protected:
    void SetUp() override {
        registry.rbac = true;
        sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
        previous = spdlog::default_logger();
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    void TearDown() override {
        spdlog::set_default_logger(previous);
        EXPECT_EQ(log.str().find(kPassword), std::string::npos) << log.str();
        EXPECT_EQ(log.str().find("Bearer"), std::string::npos) << log.str();
    }

    RegistryClientOptions rbac_options() {
        auto options = options_for({server.origin()});
        options.username = "agent";
        options.password = sc::Secret(kPassword);
        options.token_lifetime = 15min;
        return options;
    }

    std::ostringstream log;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
    std::shared_ptr<spdlog::logger> previous;
};

TEST_F(RegistryClientRbacTest, FetchesTokenOnceAndSendsItAsBearer) {
    RegistryClient client(http, clock, rbac_options());
    for (int i = 0; i < 3; ++i) {
        auto beat = run(ioc, client.heartbeat("s1", "i1"));
        ASSERT_TRUE(beat.has_value()) << beat.error().describe();
    }
    EXPECT_EQ(registry.tokens_issued, 1);
    EXPECT_EQ(registry.unauthorized, 0);
    auto token_body = nlohmann::json::parse(registry.seen.at(0).body);
    EXPECT_EQ(token_body["name"], "agent");
    EXPECT_EQ(token_body["tokenExpirationTime"], "15m");
    EXPECT_EQ(registry.seen.at(0).header("Authorization"), nullptr);
}

TEST_F(RegistryClientRbacTest, RefreshesTokenOnceOn401AndRetries) {
    RegistryClient client(http, clock, rbac_options());
    ASSERT_TRUE(run(ioc, client.heartbeat("s1", "i1")).has_value());
    registry.accepted_token = 99;  // the registry forgets the token (restart, revocation)
    auto beat = run(ioc, client.heartbeat("s1", "i1"));
    ASSERT_TRUE(beat.has_value()) << beat.error().describe();
    EXPECT_EQ(registry.tokens_issued, 2);
    EXPECT_EQ(registry.unauthorized, 1);
    EXPECT_EQ(registry.heartbeats, 2);
}

TEST_F(RegistryClientRbacTest, RefreshesTokenBeforeExpiryWithoutA401) {
    RegistryClient client(http, clock, rbac_options());
    ASSERT_TRUE(run(ioc, client.heartbeat("s1", "i1")).has_value());
    clock.advance(12min);
    ASSERT_TRUE(run(ioc, client.heartbeat("s1", "i1")).has_value());
    EXPECT_EQ(registry.tokens_issued, 1);
    clock.advance(1min);          // past 5/6 of 15 minutes
    registry.accepted_token = 2;  // the registry would reject t1 from now on
    ASSERT_TRUE(run(ioc, client.heartbeat("s1", "i1")).has_value());
    EXPECT_EQ(registry.tokens_issued, 2);
    EXPECT_EQ(registry.unauthorized, 0);
}

TEST_F(RegistryClientRbacTest, WrongPasswordIsReportedNotLooped) {
    auto options = rbac_options();
    options.password = sc::Secret("not-the-password");
    RegistryClient client(http, clock, options);
    auto beat = run(ioc, client.heartbeat("s1", "i1"));
    ASSERT_TRUE(beat.has_error());
    EXPECT_TRUE(beat.error().is(sc::codes::kWrongPassword)) << beat.error().describe();
    EXPECT_EQ(registry.heartbeats, 0);
    EXPECT_EQ(registry.seen.size(), 1u);
    EXPECT_EQ(log.str().find("not-the-password"), std::string::npos);
}

TEST(GoDurationTest, Formats) {
    EXPECT_EQ(clients::format_go_duration(12h), "12h");
    EXPECT_EQ(clients::format_go_duration(90min), "90m");
    EXPECT_EQ(clients::format_go_duration(45s), "45s");
}

}  // namespace
}  // namespace scagent::testing
