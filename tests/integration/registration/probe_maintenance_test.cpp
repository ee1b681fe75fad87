// App health probes (http and tcp, rise/fall) and maintenance mode, seen in the dev registry.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/fake_http_server.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {
namespace {

using namespace std::chrono_literals;

/// A local "app" whose /health answers `status`, on its own thread.
class FakeApp {
  public:
    FakeApp()
        : server_(ioc_, [this](const testing::FakeRequest&) {
              return testing::FakeReply{.status = status.load()};
          }) {
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~FakeApp() {
        boost::asio::post(ioc_, [this] { server_.stop(); });
        work_.reset();
        ioc_.stop();
        thread_.join();
    }
    std::string url() const { return server_.origin() + "/health"; }
    int requests() const { return server_.requests(); }

    std::atomic<int> status{200};

  private:
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        ioc_.get_executor()};
    testing::FakeHttpServer server_;
    std::thread thread_;
};

std::string http_check(const std::string& url, const std::string& interval = "100ms") {
    return "  check:\n    http: " + url + "\n    interval: " + interval +
           "\n    timeout: 80ms\n    rise: 2\n    fall: 3\n";
}

class ProbeTest : public ::testing::Test {
  protected:
    TempDir dir;
    RegistryRunner registry;

    std::unique_ptr<AgentRunner> start_agent() {
        AgentYaml yaml;
        yaml.registry = registry.url();
        return std::make_unique<AgentRunner>(yaml.write(dir));
    }
};

TEST_F(ProbeTest, HttpProbeDownAfterFallAndUpAfterRise) {
    FakeApp app;
    dir.write("services.d/cart.yaml", descriptor_yaml("cart", http_check(app.url())));
    auto agent = start_agent();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));

    app.status = 500;
    const int before_down = app.requests();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "DOWN"; }, 10s));
    EXPECT_GE(app.requests() - before_down, 3) << "DOWN only after `fall` failed probes";
    // The agent records the new status once the registry has acknowledged it: the registry
    // can show it a moment before the local API does.
    EXPECT_TRUE(eventually(
        [&] { return agent->api().get("/v1/agent/services").json()[0]["status"] == "DOWN"; }, 10s));

    app.status = 204;
    const int before_up = app.requests();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));
    EXPECT_GE(app.requests() - before_up, 2) << "UP only after `rise` passed probes";
}

TEST_F(ProbeTest, RegisteredAsStartingUntilTheProbeDecides) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor closed(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto port = closed.local_endpoint().port();
    closed.close();
    dir.write("services.d/cart.yaml",
              descriptor_yaml("cart", "  check:\n    tcp: 127.0.0.1:" + std::to_string(port) +
                                          "\n    interval: 10s\n    timeout: 1s\n"));
    auto agent = start_agent();
    // The registry holds the instance a moment before the agent has read its answer: wait for
    // the agent's side, then look at the registry.
    EXPECT_TRUE(eventually([&] { return agent->api().get("/readyz").status == 200U; }, 10s))
        << "registered counts as ready";
    EXPECT_EQ(registry.status_of("cart"), "STARTING");
}

TEST_F(ProbeTest, TcpProbeFollowsTheListener) {
    boost::asio::io_context ioc;
    auto listener = std::make_unique<boost::asio::ip::tcp::acceptor>(
        ioc, boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto port = listener->local_endpoint().port();
    dir.write("services.d/cart.yaml",
              descriptor_yaml("cart", "  check:\n    tcp: 127.0.0.1:" + std::to_string(port) +
                                          "\n    interval: 100ms\n    timeout: 80ms\n"
                                          "    rise: 1\n    fall: 2\n"));
    auto agent = start_agent();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));
    listener.reset();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "DOWN"; }, 10s));
}

TEST_F(ProbeTest, MaintenanceSetsOutOfServiceAndBack) {
    dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
    auto agent = start_agent();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));
    auto api = agent->api();

    auto answer = api.put("/v1/agent/services/cart/maintenance?enable=true&reason=upgrade");
    ASSERT_EQ(answer.status, 200U) << answer.body;
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "OUTOFSERVICE"; }, 10s));
    const auto listed = api.get("/v1/agent/services").json()[0];
    EXPECT_EQ(listed["maintenance"], true);
    EXPECT_EQ(listed["maintenanceReason"], "upgrade");

    answer = api.put("/v1/agent/services/cart/maintenance?enable=false");
    ASSERT_EQ(answer.status, 200U);
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));

    answer = api.put("/v1/agent/services/cart/maintenance?enable=maybe");
    EXPECT_EQ(answer.status, 400U);
    EXPECT_EQ(answer.json()["error"]["code"], "BAD_REQUEST");
    EXPECT_NE(answer.json()["error"]["message"].get<std::string>().find("enable"),
              std::string::npos);
    answer = api.put("/v1/agent/services/nope/maintenance?enable=true");
    EXPECT_EQ(answer.status, 404U);
    EXPECT_EQ(answer.json()["error"]["code"], "SERVICE_NOT_FOUND");
}

TEST_F(ProbeTest, MaintenanceReasonThatIsNotUtf8IsRefusedAndTheServicesStillList) {
    dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
    auto agent = start_agent();
    ASSERT_TRUE(eventually([&] { return registry.status_of("cart") == "UP"; }, 10s));
    auto api = agent->api();

    auto answer = api.put("/v1/agent/services/cart/maintenance?enable=true&reason=%FF");
    ASSERT_EQ(answer.status, 400U) << answer.body;
    EXPECT_EQ(answer.json()["error"]["code"], "INVALID_UTF8");
    EXPECT_NE(answer.json()["error"]["message"].get<std::string>().find("reason"),
              std::string::npos);
    answer = api.get("/v1/agent/services");
    ASSERT_EQ(answer.status, 200U) << answer.body;
    EXPECT_EQ(answer.json()[0]["maintenance"], false);

    // Well-formed non-ASCII text is stored and shown as sent.
    answer = api.put("/v1/agent/services/cart/maintenance?enable=true&reason=caf%C3%A9");
    ASSERT_EQ(answer.status, 200U) << answer.body;
    answer = api.get("/v1/agent/services");
    ASSERT_EQ(answer.status, 200U) << answer.body;
    EXPECT_EQ(answer.json()[0]["maintenanceReason"], "caf\xC3\xA9");
}

}  // namespace
}  // namespace scagent::test
