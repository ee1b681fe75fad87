#include "config/names.hpp"

#include <gtest/gtest.h>

namespace scagent::config {
namespace {

TEST(Names, AppIdAndServiceName) {
    EXPECT_EQ(check_app_id(""), "");
    EXPECT_EQ(check_app_id("shop-1.a_b"), "");
    EXPECT_EQ(check_app_id("-shop"),
              "'-shop' may only contain letters, digits, '_', '-' and '.', and must start and end "
              "with a letter or digit");
    EXPECT_EQ(check_app_id(std::string(161, 'a')), "must be at most 160 characters");
    EXPECT_EQ(check_service_name(""), "must not be empty");
    EXPECT_EQ(check_service_name(std::string(129, 'a')), "must be at most 128 characters");
    EXPECT_EQ(check_service_name("cart"), "");
    EXPECT_NE(check_service_name("shop:cart"), "");  // the alias form is for finds only
}

TEST(Names, Version) {
    for (const char* good : {"1", "1.2", "1.2.3", "1.2.3.4", "0.0.1", "32767.0.0"}) {
        EXPECT_EQ(check_version(good), "") << good;
    }
    EXPECT_EQ(check_version("1.2.3.4.5"),
              "'1.2.3.4.5' is not a version: use 1 to 4 dot-separated numbers, e.g. 1.2.0");
    EXPECT_EQ(check_version("v1"),
              "'v1' is not a version: use 1 to 4 dot-separated numbers, e.g. 1.2.0");
    EXPECT_EQ(check_version(""),
              "'' is not a version: use 1 to 4 dot-separated numbers, e.g. 1.2.0");
    EXPECT_EQ(check_version("1.32768"),
              "'1.32768': each version segment must be between 0 and 32767");
}

TEST(Names, Environment) {
    for (const char* good : {"", "development", "testing", "acceptance", "production"}) {
        EXPECT_EQ(check_environment(good), "") << good;
    }
    EXPECT_EQ(check_environment("prod"),
              "'prod' is not an environment: use development, testing, acceptance, production or "
              "leave it empty");
}

TEST(Names, EndpointsAndAddresses) {
    EXPECT_EQ(check_endpoint("rest://10.0.0.5:8080"), "");
    EXPECT_EQ(check_endpoint("rest://0.0.0.0:8080?sslEnabled=true"), "");
    EXPECT_EQ(check_endpoint("rest://[::1]:8080"), "");
    EXPECT_EQ(check_endpoint("10.0.0.5:8080"),
              "'10.0.0.5:8080' is not an endpoint: use scheme://host:port, e.g. "
              "rest://10.0.0.5:8080");
    EXPECT_EQ(check_endpoint("rest://host:0"),
              "'rest://host:0' needs a host and a port between 1 and 65535, e.g. "
              "rest://10.0.0.5:8080");
    EXPECT_EQ(check_listen_address("127.0.0.1:0"), "");
    EXPECT_EQ(check_listen_address("[::1]:30102"), "");
    EXPECT_EQ(check_listen_address("localhost"),
              "'localhost' is not a listen address: use host:port, e.g. 127.0.0.1:30102");
    EXPECT_EQ(check_listen_address("127.0.0.1:70000"),
              "'127.0.0.1:70000' is not a listen address: use host:port, e.g. 127.0.0.1:30102");
    // A listener may leave the host out (it binds loopback); a dial target may not.
    EXPECT_EQ(check_bind_address(":30102"), "");
    EXPECT_EQ(check_bind_address("0.0.0.0:30102"), "");
    EXPECT_EQ(check_bind_address(":"),
              "':' is not a listen address: use host:port, e.g. 127.0.0.1:30102");
    EXPECT_EQ(check_bind_address(":70000"),
              "':70000' is not a listen address: use host:port, e.g. 127.0.0.1:30102");
    EXPECT_EQ(check_listen_address(":30102"),
              "':30102' is not a listen address: use host:port, e.g. 127.0.0.1:30102");
    EXPECT_EQ(check_http_url("https://sc.example:30100"), "");
    EXPECT_EQ(check_http_url("ftp://x"), "'ftp://x' must start with http:// or https://");
    EXPECT_EQ(check_http_url("http://"), "'http://' has no host");
    EXPECT_EQ(check_http_url("http://h:99999"), "'http://h:99999' has an invalid port");
}

TEST(Names, DataCenterAndHostname) {
    EXPECT_EQ(check_datacenter_field(""), "");
    EXPECT_EQ(check_datacenter_field("cn-north-1a"), "");
    EXPECT_EQ(check_datacenter_field("a b"),
              "'a b' must be 1 to 128 characters of letters, digits, '_', '.', '-'");
    EXPECT_EQ(check_hostname("   "), "must contain a non-space character");
    EXPECT_EQ(check_hostname(std::string(65, 'h')), "must be at most 64 characters");
}

}  // namespace
}  // namespace scagent::config
