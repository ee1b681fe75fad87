#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "agent/dev_registry/dev_registry.hpp"
#include "plugins/api/fake_clock.hpp"
#include "tests/support/http_test_client.hpp"

namespace scagent::dev_registry {

/// A dev registry on 127.0.0.1:0 (SC and kie) with a fake lease clock, run on its own thread.
class RegistryFixture : public ::testing::Test {
  protected:
    virtual void configure(DevRegistryConfig& config) { (void)config; }

    void SetUp() override {
        DevRegistryConfig config;
        config.listen = "127.0.0.1:0";
        config.kie_listen = "127.0.0.1:0";
        config.sweep_interval = std::chrono::milliseconds(0);  // the test sweeps by hand
        config.stop_grace = std::chrono::milliseconds(500);
        configure(config);
        registry_ = std::make_unique<DevRegistry>(ioc_, config, clock_);
        registry_->start();
        thread_ = std::thread([this] { ioc_.run(); });
        sc_ = std::make_unique<test::HttpTestClient>("127.0.0.1", registry_->sc_port());
        kie_ = std::make_unique<test::HttpTestClient>("127.0.0.1", registry_->kie_port());
    }

    void TearDown() override {
        sc_.reset();
        kie_.reset();
        registry_->stop();
        if (thread_.joinable()) {  // a test may have stopped and joined already
            thread_.join();
        }
    }

    /// Creates a service and returns its id (asserting 200).
    std::string create_service(const std::string& service_json) {
        auto r =
            sc_->post("/v4/default/registry/microservices", R"({"service":)" + service_json + "}");
        EXPECT_EQ(r.status, 200u) << r.body;
        return r.status == 200 ? r.json().value("serviceId", "") : "";
    }
    std::string register_instance(const std::string& sid, const std::string& instance_json) {
        auto r = sc_->post("/v4/default/registry/microservices/" + sid + "/instances",
                           R"({"instance":)" + instance_json + "}");
        EXPECT_EQ(r.status, 200u) << r.body;
        return r.status == 200 ? r.json().value("instanceId", "") : "";
    }

    plugins::FakeClock clock_;
    asio::io_context ioc_;
    std::unique_ptr<DevRegistry> registry_;
    std::thread thread_;
    std::unique_ptr<test::HttpTestClient> sc_;
    std::unique_ptr<test::HttpTestClient> kie_;
};

/// The exact SC error body of spec §1.1.
inline void expect_sc_error(const test::TestResponse& r, unsigned status, const std::string& code,
                            const std::string& message) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = r.json();
    EXPECT_EQ(body["errorCode"], code) << r.body;
    EXPECT_TRUE(body["errorCode"].is_string());
    EXPECT_EQ(body["errorMessage"], message) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json; charset=UTF-8");
}

}  // namespace scagent::dev_registry
