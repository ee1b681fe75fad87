#include "agent/registration/host_identity.hpp"

#include <gtest/gtest.h>

namespace scagent::registration {
namespace {

TEST(HostIdentityTest, ReplacesOnlyTheAnyAddress) {
    const std::vector<std::string> endpoints = {"rest://0.0.0.0:8080", "rest://10.1.2.3:8081",
                                                "highway://0.0.0.0:7070?ssl=true",
                                                "rest://0.0.0.01:1"};
    EXPECT_EQ(
        advertised_endpoints(endpoints, "192.168.1.5"),
        (std::vector<std::string>{"rest://192.168.1.5:8080", "rest://10.1.2.3:8081",
                                  "highway://192.168.1.5:7070?ssl=true", "rest://0.0.0.01:1"}));
}

TEST(HostIdentityTest, FirstNonLoopbackIsNeverLoopback) {
    if (const auto address = first_non_loopback_ipv4()) {
        EXPECT_FALSE(address->starts_with("127."));
    }
    EXPECT_FALSE(advertise_address().empty());
}

TEST(HostIdentityTest, HostnameIsSetAndBounded) {
    const auto name = system_hostname();
    EXPECT_FALSE(name.empty());
    EXPECT_LE(name.size(), 64U);
}

}  // namespace
}  // namespace scagent::registration
