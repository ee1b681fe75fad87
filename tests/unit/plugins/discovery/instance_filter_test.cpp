#include <gtest/gtest.h>

#include "plugins/discovery/endpoint.hpp"
#include "plugins/discovery/instance_filter.hpp"

namespace scagent::plugins::discovery {
namespace {

Instance make(std::string id, std::string version, std::string status = "UP",
              Properties properties = {}) {
    Instance instance;
    instance.instance_id = std::move(id);
    instance.version = std::move(version);
    instance.status = std::move(status);
    instance.properties = std::move(properties);
    return instance;
}

std::vector<std::string> ids(const std::vector<const Instance*>& kept) {
    std::vector<std::string> out;
    for (const Instance* instance : kept) {
        out.push_back(instance->instance_id);
    }
    return out;
}

InstanceFilter filter(std::string_view version, std::string_view tags = "",
                      std::string_view status = "") {
    InstanceFilter out;
    auto v = parse_version_rule(version);
    auto t = parse_tag_filter(tags);
    auto s = parse_status_filter(status);
    EXPECT_EQ(v.error + t.error + s.error, "");
    out.version = v.rule;
    out.tags = t.filter;
    out.status = s.filter;
    return out;
}

InstanceSet fleet() {
    InstanceSet set;
    set.instances = {
        make("a", "1.0.0", "UP", {{"zone", "az1"}}),
        make("b", "1.2.0", "UP", {{"zone", "az2"}, {"canary", "true"}}),
        make("c", "1.5.0", "UP", {{"zone", "az1"}, {"url", "http://x:1"}}),
        make("d", "2.0.0", "UP", {{"zone", "az1"}}),
        make("e", "2.1.0", "STARTING", {{"zone", "az1"}}),
        make("f", "weird", "DOWN"),
    };
    return set;
}

TEST(InstanceFilter, DefaultKeepsUpInstancesOfEveryVersion) {
    EXPECT_EQ(ids(filter_instances(fleet(), InstanceFilter{})),
              (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(InstanceFilter, VersionRulesOverASet) {
    auto set = fleet();
    EXPECT_EQ(ids(filter_instances(set, filter("1.2.0+"))),
              (std::vector<std::string>{"b", "c", "d"}));
    EXPECT_EQ(ids(filter_instances(set, filter("1.0.0-2.0.0"))),
              (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(ids(filter_instances(set, filter("1.2"))), (std::vector<std::string>{"b"}));
    EXPECT_EQ(ids(filter_instances(set, filter("0+", "", "ANY"))),
              (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
}

TEST(InstanceFilter, LatestIsTheHighestVersionAmongInstancesPassingStatusAndTags) {
    auto set = fleet();
    // e (2.1.0) is STARTING: with the default status filter latest is d's 2.0.0.
    EXPECT_EQ(ids(filter_instances(set, filter("latest"))), (std::vector<std::string>{"d"}));
    EXPECT_EQ(ids(filter_instances(set, filter("latest", "", "ANY"))),
              (std::vector<std::string>{"e"}));
    EXPECT_EQ(ids(filter_instances(set, filter("latest", "zone:az2"))),
              (std::vector<std::string>{"b"}));
    InstanceSet empty;
    EXPECT_TRUE(filter_instances(empty, filter("latest")).empty());
}

TEST(InstanceFilter, TagsNeedEveryPairAndBareKeysNeedPresence) {
    auto set = fleet();
    EXPECT_EQ(ids(filter_instances(set, filter("", "zone:az1"))),
              (std::vector<std::string>{"a", "c", "d"}));
    EXPECT_EQ(ids(filter_instances(set, filter("", "zone:az2,canary:true"))),
              (std::vector<std::string>{"b"}));
    EXPECT_TRUE(filter_instances(set, filter("", "zone:az1,canary:true")).empty());
    EXPECT_EQ(ids(filter_instances(set, filter("", "canary"))), (std::vector<std::string>{"b"}));
    EXPECT_EQ(ids(filter_instances(set, filter("", "url:http://x:1"))),
              (std::vector<std::string>{"c"}));
    EXPECT_TRUE(filter_instances(set, filter("", "zone:AZ1")).empty());  // values are exact
}

TEST(InstanceFilter, StatusListsAndCase) {
    auto set = fleet();
    EXPECT_EQ(ids(filter_instances(set, filter("", "", "starting,down"))),
              (std::vector<std::string>{"e", "f"}));
}

TEST(InstanceFilter, BadTagsAndStatusesAreRejected) {
    EXPECT_EQ(
        parse_tag_filter(":v").error,
        "invalid tag \":v\": expected key:value or key, comma-separated (e.g. zone:az1,canary)");
    EXPECT_NE(parse_tag_filter("a:1,").error, "");
    EXPECT_NE(parse_tag_filter("a:1,,b:2").error, "");
    EXPECT_EQ(parse_status_filter("UP,SLEEPING").error,
              "invalid status \"SLEEPING\": expected UP, DOWN, STARTING, TESTING, OUTOFSERVICE "
              "(comma-separated) or ANY");
    EXPECT_NE(parse_status_filter("UP,").error, "");
}

TEST(RestEndpoint, ParsesHostAndPort) {
    EXPECT_EQ(parse_rest_endpoint("rest://10.0.0.5:8080"), (HostPort{"10.0.0.5", 8080}));
    EXPECT_EQ(parse_rest_endpoint("rest://svc.local:80/?sslEnabled=true"),
              (HostPort{"svc.local", 80}));
    EXPECT_EQ(parse_rest_endpoint("rest://[::1]:9090?x=1"), (HostPort{"::1", 9090}));
    for (std::string_view bad :
         {"rest:127.0.0.1:8080", "highway://1.2.3.4:80", "rest://1.2.3.4", "rest://1.2.3.4:0",
          "rest://1.2.3.4:65536", "rest://:80", "rest://::1:80", "rest://[::1]80", "rest://h:8a"}) {
        EXPECT_FALSE(parse_rest_endpoint(bad)) << bad;
    }
    std::vector<std::string> endpoints = {"highway://1.1.1.1:1", "rest://2.2.2.2:2",
                                          "rest://3.3.3.3:3"};
    EXPECT_EQ(first_rest_endpoint(endpoints), (HostPort{"2.2.2.2", 2}));
}

}  // namespace
}  // namespace scagent::plugins::discovery
