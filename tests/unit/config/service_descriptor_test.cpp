#include "config/service_descriptor.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config_test_support.hpp"
#include "tests/support/test_paths.hpp"

namespace scagent::config {
namespace {

using namespace std::chrono_literals;
using test::descriptor_problems;

std::optional<ServiceDescriptor> parse(const std::string& yaml) {
    Diagnostics diagnostics;
    auto descriptor = parse_service_descriptor_text(yaml, "svc.yaml", diagnostics);
    EXPECT_EQ(diagnostics.to_string(), "");
    return descriptor;
}

std::string read_data(const std::string& name) {
    std::ifstream in(scagent::test::source_dir() + "/tests/data/config/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

constexpr const char* kMinimal = "servicecomb:\n  service:\n    name: cart\n    version: 1.2.0\n";

TEST(ServiceDescriptor, MinimalDescriptorTakesDefaults) {
    const auto descriptor = parse(kMinimal);
    ASSERT_TRUE(descriptor);
    EXPECT_EQ(descriptor->service.app, "default");
    EXPECT_EQ(descriptor->service.name, "cart");
    EXPECT_EQ(descriptor->service.version, "1.2.0");
    EXPECT_EQ(descriptor->service.environment, "");
    EXPECT_TRUE(descriptor->service.properties.empty());
    EXPECT_TRUE(descriptor->instance.endpoints.empty());
    EXPECT_EQ(descriptor->instance.hostname, "");
    EXPECT_EQ(descriptor->instance.health_check.interval, 30);
    EXPECT_EQ(descriptor->instance.health_check.times, 3);
    EXPECT_FALSE(descriptor->check);
    EXPECT_TRUE(descriptor->dependencies.empty());
    EXPECT_EQ(descriptor->identity(), "default/cart/1.2.0/");
}

TEST(ServiceDescriptor, ReadsEveryKey) {
    const auto descriptor = parse(R"(servicecomb:
  service:
    app: shop
    name: cart
    version: 1.2.0
    environment: production
    description: the cart
    level: FRONT
    properties: {allowCrossApp: "true"}
    instanceProperties: {zone: a, canary: "true"}
  instance:
    endpoints: [rest://10.0.0.5:8080, "highway://10.0.0.5:7070?sslEnabled=true"]
    hostname: host-1
    dataCenterInfo: {name: dc, region: r1, availableZone: az1}
    healthCheck: {interval: 10, times: 2}
  check:
    tcp: 127.0.0.1:8080
    interval: 1s
    timeout: 500ms
    rise: 1
    fall: 5
  dependencies:
    - {app: shop, name: inventory}
    - {name: payment}
)");
    ASSERT_TRUE(descriptor);
    EXPECT_EQ(descriptor->service.app, "shop");
    EXPECT_EQ(descriptor->service.environment, "production");
    EXPECT_EQ(descriptor->service.description, "the cart");
    EXPECT_EQ(descriptor->service.level, "FRONT");
    EXPECT_EQ(descriptor->service.properties.at("allowCrossApp"), "true");
    EXPECT_EQ(descriptor->service.instance_properties.at("canary"), "true");
    EXPECT_EQ(descriptor->instance.endpoints.size(), 2u);
    EXPECT_EQ(descriptor->instance.hostname, "host-1");
    EXPECT_EQ(descriptor->instance.data_center.available_zone, "az1");
    EXPECT_EQ(descriptor->instance.health_check.interval, 10);
    EXPECT_EQ(descriptor->instance.health_check.times, 2);
    ASSERT_TRUE(descriptor->check);
    EXPECT_EQ(descriptor->check->kind, CheckKind::kTcp);
    EXPECT_EQ(descriptor->check->target, "127.0.0.1:8080");
    EXPECT_EQ(descriptor->check->interval, 1s);
    EXPECT_EQ(descriptor->check->timeout, 500ms);
    EXPECT_EQ(descriptor->check->rise, 1);
    EXPECT_EQ(descriptor->check->fall, 5);
    ASSERT_EQ(descriptor->dependencies.size(), 2u);
    EXPECT_EQ(descriptor->dependencies[0].app, "shop");
    EXPECT_EQ(descriptor->dependencies[1].app, "");
    EXPECT_EQ(descriptor->dependencies[1].name, "payment");
}

TEST(ServiceDescriptor, HttpCheckDefaults) {
    const auto descriptor =
        parse(std::string(kMinimal) + "  check:\n    http: http://127.0.0.1:8080/health\n");
    ASSERT_TRUE(descriptor && descriptor->check);
    EXPECT_EQ(descriptor->check->kind, CheckKind::kHttp);
    EXPECT_EQ(descriptor->check->interval, 5s);
    EXPECT_EQ(descriptor->check->timeout, 2s);
    EXPECT_EQ(descriptor->check->rise, 2);
    EXPECT_EQ(descriptor->check->fall, 3);
}

TEST(ServiceDescriptor, RequiredKeysPointAtTheirParent) {
    EXPECT_EQ(descriptor_problems("servicecomb:\n  service:\n    app: shop\n"),
              "svc.yaml:2:3: servicecomb.service.name: required key is missing\n"
              "svc.yaml:2:3: servicecomb.service.version: required key is missing\n");
    EXPECT_EQ(descriptor_problems("servicecomb:\n  instance: {}\n"),
              "svc.yaml:1:1: servicecomb.service: required key is missing\n");
    EXPECT_EQ(descriptor_problems("service:\n  name: x\n"),
              "svc.yaml:1:1: servicecomb: required key is missing (a descriptor starts with "
              "servicecomb.service)\n"
              "svc.yaml:1:1: service: unknown key\n");
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) + "  check:\n    interval: 5s\n"),
              "svc.yaml:5:3: servicecomb.check.http: required key is missing (or give tcp)\n");
}

TEST(ServiceDescriptor, NamesAndVersionsFollowTheRegistryRules) {
    EXPECT_EQ(descriptor_problems("servicecomb:\n  service:\n    name: -cart\n    version: 1.2\n"),
              "svc.yaml:3:11: servicecomb.service.name: '-cart' may only contain letters, "
              "digits, '_', '-' and '.', and must start and end with a letter or digit\n");
    EXPECT_EQ(
        descriptor_problems("servicecomb:\n  service:\n    name: cart\n    version: 1.2.3.4.5\n"),
        "svc.yaml:4:14: servicecomb.service.version: '1.2.3.4.5' is not a version: use 1 "
        "to 4 dot-separated numbers, e.g. 1.2.0\n");
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) + "    environment: prod\n"),
              "svc.yaml:5:18: servicecomb.service.environment: 'prod' is not an environment: use "
              "development, testing, acceptance, production or leave it empty\n");
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) + "    level: TOP\n"),
              "svc.yaml:5:12: servicecomb.service.level: 'TOP' is not a level: use FRONT, MIDDLE "
              "or BACK\n");
}

TEST(ServiceDescriptor, InstanceRules) {
    EXPECT_EQ(
        descriptor_problems(std::string(kMinimal) + "  instance:\n    endpoints: [10.0.0.1:80]\n"),
        "svc.yaml:6:16: servicecomb.instance.endpoints: '10.0.0.1:80' is not an endpoint: "
        "use scheme://host:port, e.g. rest://10.0.0.5:8080\n");
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) +
                                  "  instance:\n    healthCheck: {interval: 0, times: -1}\n"),
              "svc.yaml:6:29: servicecomb.instance.healthCheck.interval: must be between 1 and "
              "86400, found 0\n"
              "svc.yaml:6:39: servicecomb.instance.healthCheck.times: must be between 0 and 100, "
              "found -1\n");
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) +
                                  "  instance:\n    dataCenterInfo: {region: 'a b', zone: x}\n"),
              "svc.yaml:6:30: servicecomb.instance.dataCenterInfo.region: 'a b' must be 1 to 128 "
              "characters of letters, digits, '_', '.', '-'\n"
              "svc.yaml:6:37: servicecomb.instance.dataCenterInfo.zone: unknown key\n");
}

TEST(ServiceDescriptor, InboundRegistersItsListenerAndNeedsAPlainHttpTarget) {
    const auto descriptor = parse(std::string(kMinimal) +
                                  "  inbound:\n    listen: 0.0.0.0:8081\n"
                                  "    target: http://127.0.0.1:8080/ignored\n");
    ASSERT_TRUE(descriptor);
    ASSERT_TRUE(descriptor->inbound);
    EXPECT_EQ(descriptor->inbound->target_host, "127.0.0.1");
    EXPECT_EQ(descriptor->inbound->target_port, 8080);
    EXPECT_EQ(descriptor->instance.endpoints, std::vector<std::string>{"rest://0.0.0.0:8081"});

    const auto host_less =
        parse(std::string(kMinimal) + "  inbound: {listen: ':9000', target: 'http://localhost'}\n");
    ASSERT_TRUE(host_less);
    EXPECT_EQ(host_less->instance.endpoints, std::vector<std::string>{"rest://127.0.0.1:9000"});
    EXPECT_EQ(host_less->inbound->target_port, 80);

    EXPECT_EQ(descriptor_problems(std::string(kMinimal) +
                                  "  instance: {endpoints: ['rest://10.0.0.1:80']}\n"
                                  "  inbound: {listen: '0.0.0.0:8081', target: 'https://x:1'}\n"),
              "svc.yaml:6:21: servicecomb.inbound.listen: instance.endpoints is set too: with "
              "inbound the listener is what consumers dial; remove one of them\n"
              "svc.yaml:6:45: servicecomb.inbound.target: 'https://x:1' is not an http URL of "
              "the local app, e.g. http://127.0.0.1:8080 (plain http only)\n");
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) + "  inbound: {listen: '0.0.0.0:1'}\n"),
              "svc.yaml:5:3: servicecomb.inbound.target: required key is missing\n");
}

TEST(ServiceDescriptor, CheckRules) {
    const std::string base = std::string(kMinimal) + "  check:\n";
    EXPECT_EQ(descriptor_problems(base + "    http: http://a/h\n    tcp: a:1\n"),
              "svc.yaml:7:5: servicecomb.check.tcp: give either http or tcp, not both\n");
    EXPECT_EQ(descriptor_problems(base + "    tcp: nowhere\n"),
              "svc.yaml:6:10: servicecomb.check.tcp: 'nowhere' is not a listen address: use "
              "host:port, e.g. 127.0.0.1:30102\n");
    EXPECT_EQ(descriptor_problems(base + "    http: h/health\n"),
              "svc.yaml:6:11: servicecomb.check.http: 'h/health' must start with http:// or "
              "https://\n");
    EXPECT_EQ(descriptor_problems(base + "    tcp: a:1\n    interval: 1s\n    timeout: 2s\n"),
              "svc.yaml:8:5: servicecomb.check.timeout: must not be longer than check.interval "
              "(1s)\n");
    EXPECT_EQ(descriptor_problems(base + "    tcp: a:1\n    rise: 0\n    fall: 101\n"),
              "svc.yaml:7:11: servicecomb.check.rise: must be between 1 and 100, found 0\n"
              "svc.yaml:8:11: servicecomb.check.fall: must be between 1 and 100, found 101\n");
    EXPECT_EQ(descriptor_problems(base + "    tcp: a:1\n    interval: 10ms\n    timeout: 5ms\n"),
              "svc.yaml:7:15: servicecomb.check.interval: must be between 100ms and 1h, found "
              "10ms\n"
              "svc.yaml:8:14: servicecomb.check.timeout: must be between 10ms and 1m, found 5ms\n");
}

TEST(ServiceDescriptor, DependencyRules) {
    EXPECT_EQ(descriptor_problems(std::string(kMinimal) +
                                  "  dependencies:\n    - {app: shop}\n    - name: x\n      "
                                  "version: 1\n    - oops\n"),
              "svc.yaml:6:7: servicecomb.dependencies[0].name: required key is missing\n"
              "svc.yaml:8:7: servicecomb.dependencies[1].version: unknown key\n"
              "svc.yaml:9:7: servicecomb.dependencies[2]: expected a mapping, found a scalar\n");
}

TEST(ServiceDescriptor, DuplicateKeysInPropertyMaps) {
    EXPECT_EQ(
        descriptor_problems(std::string(kMinimal) + "    properties:\n      a: 1\n      a: 2\n"),
        "svc.yaml:7:7: servicecomb.service.properties.a: duplicate key 'a'\n");
}

TEST(ServiceDescriptor, MesherMicroserviceYamlLoadsUnchanged) {
    Diagnostics diagnostics;
    const auto descriptor = parse_service_descriptor_text(read_data("mesher-microservice.yaml"),
                                                          "microservice.yaml", diagnostics);
    ASSERT_EQ(diagnostics.to_string(), "");
    ASSERT_TRUE(descriptor);
    EXPECT_EQ(descriptor->service.app, "sockshop");
    EXPECT_EQ(descriptor->service.name, "mesher-consumer");
    EXPECT_EQ(descriptor->service.version, "0.0.1");
    EXPECT_EQ(descriptor->service.environment, "development");
    EXPECT_EQ(descriptor->instance.hostname, "node-7");
    EXPECT_EQ(descriptor->service.properties.at("allowCrossApp"), "true");
    EXPECT_EQ(descriptor->service.instance_properties.at("zone"), "az-1");
    EXPECT_EQ(descriptor->service.schemas, (std::vector<std::string>{"hello", "orders_api"}));
    ASSERT_EQ(descriptor->service.paths.size(), 1u);
    EXPECT_EQ(descriptor->service.paths[0].property.at("checksum"), "abc");
}

TEST(ServiceDescriptor, LegacyMesherLayoutLoadsUnchanged) {
    Diagnostics diagnostics;
    const auto descriptor = parse_service_descriptor_text(
        read_data("mesher-legacy-microservice.yaml"), "microservice.yaml", diagnostics);
    ASSERT_EQ(diagnostics.to_string(), "");
    ASSERT_TRUE(descriptor);
    EXPECT_EQ(descriptor->service.app, "sockshop");
    EXPECT_EQ(descriptor->service.name, "hellomesher");
    EXPECT_EQ(descriptor->service.environment, "");
    EXPECT_EQ(descriptor->service.properties.at("allowCrossApp"), "false");
}

}  // namespace
}  // namespace scagent::config
