#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "agent/dev_registry/dev_registry.hpp"
#include "plugins/api/fake_clock.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/registry_runner.hpp"

namespace scagent::dev_registry {

/// A dev registry on 127.0.0.1:0 (SC and kie) with a fake lease clock, run on its own thread
/// (test::RegistryRunner), with raw HTTP clients for both.
class RegistryFixture : public ::testing::Test {
  protected:
    virtual void configure(DevRegistryConfig& config) { (void)config; }

    void SetUp() override {
        DevRegistryConfig config;
        config.sweep_interval = std::chrono::milliseconds(0);  // the test sweeps by hand
        config.stop_grace = std::chrono::milliseconds(500);
        configure(config);
        runner_ = std::make_unique<test::RegistryRunner>(test::Kie::on, config, clock_);
        registry_ = &runner_->registry();
        sc_ = std::make_unique<test::HttpTestClient>("127.0.0.1", runner_->port());
        kie_ = std::make_unique<test::HttpTestClient>("127.0.0.1", runner_->kie_port());
    }

    void TearDown() override {
        sc_.reset();
        kie_.reset();
        runner_.reset();
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
    std::unique_ptr<test::RegistryRunner> runner_;
    DevRegistry* registry_ = nullptr;
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
