#include <gtest/gtest.h>

#include "plugins/discovery/version_rule.hpp"

namespace scagent::plugins::discovery {
namespace {

Version v(std::string_view text) {
    auto parsed = parse_version(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(Version{});
}

VersionRule rule(std::string_view text) {
    auto parsed = parse_version_rule(text);
    EXPECT_EQ(parsed.error, "") << text;
    return parsed.rule;
}

TEST(Version, ParsesOneToFourSegmentsAndPadsWithZeros) {
    EXPECT_EQ(v("1"), v("1.0.0.0"));
    EXPECT_EQ(v("1.2"), v("1.2.0"));
    EXPECT_EQ(v("32767.0.1.2").segments, (std::array<std::uint16_t, 4>{32767, 0, 1, 2}));
    EXPECT_LT(v("1.2.0"), v("1.10.0"));  // numeric, not lexicographic
    EXPECT_LT(v("1.2.0"), v("1.2.0.1"));
    EXPECT_EQ(v("1.2").to_string(), "1.2.0");
    EXPECT_EQ(v("1.2.3.4").to_string(), "1.2.3.4");
}

TEST(Version, RejectsEverythingElse) {
    for (std::string_view bad : {"", "1.", ".1", "1..2", "1.2.3.4.5", "32768", "1.-2", "a", "1.2a",
                                 " 1.2", "1.2 ", "+1", "99999999999"}) {
        EXPECT_FALSE(parse_version(bad)) << bad;
    }
}

TEST(VersionRule, EmptyZeroPlusAndZeroDotsPlusMeanAll) {
    for (std::string_view text : {"", "0+", "0.0.0+"}) {
        VersionRule all = rule(text);
        EXPECT_EQ(all.kind(), VersionRule::Kind::kAll) << text;
        EXPECT_TRUE(all.accepts("not-a-version", std::nullopt)) << text;
    }
}

TEST(VersionRule, Exact) {
    VersionRule exact = rule("1.2.0");
    EXPECT_EQ(exact.kind(), VersionRule::Kind::kExact);
    EXPECT_TRUE(exact.accepts("1.2.0", std::nullopt));
    EXPECT_TRUE(exact.accepts("1.2", std::nullopt));
    EXPECT_FALSE(exact.accepts("1.2.1", std::nullopt));
    EXPECT_FALSE(exact.accepts("garbage", std::nullopt));
    EXPECT_EQ(exact.to_string(), "1.2.0");
}

TEST(VersionRule, AtLeast) {
    VersionRule at_least = rule("1.2.0+");
    EXPECT_EQ(at_least.kind(), VersionRule::Kind::kAtLeast);
    EXPECT_FALSE(at_least.accepts("1.1.9", std::nullopt));
    EXPECT_TRUE(at_least.accepts("1.2.0", std::nullopt));
    EXPECT_TRUE(at_least.accepts("1.10", std::nullopt));
    EXPECT_TRUE(at_least.accepts("2.0.0.1", std::nullopt));
    EXPECT_EQ(at_least.to_string(), "1.2.0+");
}

TEST(VersionRule, RangeIsFromInclusiveToExclusive) {
    VersionRule range = rule("1.0.0-2.0.0");
    EXPECT_EQ(range.kind(), VersionRule::Kind::kRange);
    EXPECT_FALSE(range.accepts("0.9.9", std::nullopt));
    EXPECT_TRUE(range.accepts("1.0.0", std::nullopt));
    EXPECT_TRUE(range.accepts("1.99.32767", std::nullopt));
    EXPECT_FALSE(range.accepts("2.0.0", std::nullopt));
    EXPECT_FALSE(range.accepts("2.0.0.1", std::nullopt));
    EXPECT_EQ(range.to_string(), "1.0.0-2.0.0");
}

TEST(VersionRule, LatestComparesWithTheGivenHighest) {
    VersionRule latest = rule("latest");
    EXPECT_EQ(latest.kind(), VersionRule::Kind::kLatest);
    EXPECT_TRUE(latest.accepts("2.0", v("2.0.0")));
    EXPECT_FALSE(latest.accepts("1.9.0", v("2.0.0")));
    EXPECT_FALSE(latest.accepts("2.0.0", std::nullopt));
}

TEST(VersionRule, LatestOfIgnoresUnparseableVersions) {
    Instance a;
    a.version = "1.10.0";
    Instance b;
    b.version = "1.9.0";
    Instance c;
    c.version = "99-snapshot";
    std::vector<const Instance*> all = {&a, &b, &c};
    EXPECT_EQ(latest_of(all), v("1.10.0"));
    std::vector<const Instance*> broken = {&c};
    EXPECT_EQ(latest_of(broken), std::nullopt);
}

TEST(VersionRule, BadInputSaysWhatWasExpected) {
    auto bad = parse_version_rule("1.x");
    EXPECT_EQ(bad.error,
              "invalid version rule \"1.x\": not a version; expected latest, 1.2.0 (exact), "
              "1.2.0+ (and above), 1.0.0-2.0.0 (from inclusive, to exclusive) or 0+ (all); a "
              "version has 1 to 4 numeric segments, each 0..32767");
    EXPECT_NE(parse_version_rule("x+").error.find("the part before '+' is not a version"),
              std::string::npos);
    EXPECT_NE(parse_version_rule("1.0-x").error.find("both sides of '-' must be versions"),
              std::string::npos);
    EXPECT_NE(parse_version_rule("2.0.0-1.0.0").error.find("the range is empty"),
              std::string::npos);
    EXPECT_NE(parse_version_rule("1.0.0-1.0").error.find("the range is empty"), std::string::npos);
    for (std::string_view text : {"LATEST", "1.2.0++", "-1.0", "1.0-", "40000", "1.2.3.4.5+",
                                  "1.0.0-2.0.0-3.0.0", " latest"}) {
        EXPECT_NE(parse_version_rule(text).error, "") << text;
    }
}

}  // namespace
}  // namespace scagent::plugins::discovery
