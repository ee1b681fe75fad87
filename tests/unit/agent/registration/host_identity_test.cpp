#include "agent/registration/host_identity.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace scagent::registration {
namespace {

/// The IPv4 addresses of up, non-loopback interfaces, read independently of host_identity.
std::set<std::string> usable_ipv4_addresses() {
    std::set<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        return out;
    }
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET ||
            (entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) {
            continue;
        }
        std::array<char, INET_ADDRSTRLEN> text{};
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        if (inet_ntop(AF_INET, &address->sin_addr, text.data(), text.size()) != nullptr &&
            !std::string(text.data()).starts_with("127.")) {
            out.insert(text.data());
        }
    }
    freeifaddrs(list);
    return out;
}

bool is_dotted_ipv4(const std::string& text) {
    in_addr parsed{};
    return inet_pton(AF_INET, text.c_str(), &parsed) == 1;
}

TEST(HostIdentityTest, ReplacesOnlyTheAnyAddress) {
    const std::vector<std::string> endpoints = {"rest://0.0.0.0:8080", "rest://10.1.2.3:8081",
                                                "highway://0.0.0.0:7070?ssl=true",
                                                "rest://0.0.0.01:1"};
    EXPECT_EQ(
        advertised_endpoints(endpoints, "192.168.1.5"),
        (std::vector<std::string>{"rest://192.168.1.5:8080", "rest://10.1.2.3:8081",
                                  "highway://192.168.1.5:7070?ssl=true", "rest://0.0.0.01:1"}));
}

TEST(HostIdentityTest, AnyAddressWithoutSchemeOrPortIsLeftAlone) {
    EXPECT_EQ(
        advertised_endpoints({"0.0.0.0:80", "rest://0.0.0.0", "rest://[::]:80", ""}, "10.0.0.7"),
        (std::vector<std::string>{"10.0.0.7:80", "rest://0.0.0.0", "rest://[::]:80", ""}));
    EXPECT_TRUE(advertised_endpoints({}, "10.0.0.7").empty());
}

TEST(HostIdentityTest, FirstNonLoopbackIsAnUpNonLoopbackInterfaceAddressWhenOneExists) {
    const auto usable = usable_ipv4_addresses();
    const auto address = first_non_loopback_ipv4();
    if (usable.empty()) {
        EXPECT_FALSE(address.has_value()) << *address;
        return;
    }
    ASSERT_TRUE(address.has_value()) << "the host has " << *usable.begin();
    EXPECT_TRUE(is_dotted_ipv4(*address)) << *address;
    EXPECT_FALSE(address->starts_with("127.")) << *address;
    EXPECT_EQ(usable.count(*address), 1U) << *address << " is not an up, non-loopback interface";
}

TEST(HostIdentityTest, AdvertiseAddressIsTheFirstNonLoopbackElseLoopback) {
    const auto address = advertise_address();
    EXPECT_EQ(address, first_non_loopback_ipv4().value_or("127.0.0.1"));
    EXPECT_TRUE(is_dotted_ipv4(address)) << address;
}

TEST(HostIdentityTest, HostnameIsWhatGethostnameSaysCutTo64) {
    std::array<char, 256> name{};
    ASSERT_EQ(gethostname(name.data(), name.size() - 1), 0);
    const std::string expected = std::string(name.data()).substr(0, 64);
    const auto hostname = system_hostname();
    EXPECT_EQ(hostname, expected.empty() ? "localhost" : expected);
    EXPECT_LE(hostname.size(), 64U);
}

}  // namespace
}  // namespace scagent::registration
