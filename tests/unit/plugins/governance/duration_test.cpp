#include "plugins/governance/duration.hpp"

#include <gtest/gtest.h>

namespace scagent::plugins::governance {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(GovernanceDuration, BareIntegerIsMilliseconds) {
    EXPECT_EQ(parse_duration("1500"), milliseconds(1500));
    EXPECT_EQ(parse_duration("0"), milliseconds(0));
    EXPECT_EQ(parse_duration("-20"), milliseconds(-20));
    EXPECT_EQ(parse_duration("9999999999"), milliseconds(9999999999));
}

TEST(GovernanceDuration, MoreThanTenDigitsIsRejected) {
    EXPECT_EQ(parse_duration("12345678901"), std::nullopt);
}

TEST(GovernanceDuration, IsoTimeWithImpliedPtIsCaseInsensitive) {
    EXPECT_EQ(parse_duration("10s"), seconds(10));
    EXPECT_EQ(parse_duration("10S"), seconds(10));
    EXPECT_EQ(parse_duration("1M"), minutes(1));
    EXPECT_EQ(parse_duration("1m"), minutes(1));
    EXPECT_EQ(parse_duration("0.5S"), milliseconds(500));
    EXPECT_EQ(parse_duration("0,25s"), milliseconds(250));
    EXPECT_EQ(parse_duration("1H30M"), minutes(90));
    EXPECT_EQ(parse_duration("2h"), hours(2));
    EXPECT_EQ(parse_duration("1m0.001s"), milliseconds(60001));
    EXPECT_EQ(parse_duration("-5S"), seconds(-5));
}

TEST(GovernanceDuration, ExplicitPtPrefixIsTolerated) {
    EXPECT_EQ(parse_duration("PT10S"), seconds(10));
    EXPECT_EQ(parse_duration("pt1m"), minutes(1));
}

TEST(GovernanceDuration, MalformedTextIsRejected) {
    for (const char* text : {"", "abc", "10x", "500ms", "S", "1.S5", "1S1M", "1M1M", "1.5M", "P1D",
                             "PT", "1.0000000001S", "--1S"}) {
        EXPECT_EQ(parse_duration(text), std::nullopt) << text;
    }
}

TEST(GovernanceDuration, OverflowIsRejectedNotWrapped) {
    for (const char* text : {"PT3000000H", "3000000H", "2562047H60M", "PT9223372036854775808S",
                             "99999999999999999999S", "-3000000H"}) {
        EXPECT_EQ(parse_duration(text), std::nullopt) << text;
    }
    EXPECT_EQ(parse_duration("PT2562047H"), hours(2562047));
    EXPECT_EQ(parse_duration("-2562047H"), -hours(2562047));
}

TEST(GovernanceDuration, NegativeValuesAreLeftToTheCallersRangeChecks) {
    EXPECT_EQ(parse_duration("-0.5S"), milliseconds(-500));
    EXPECT_EQ(parse_duration("1H-30M"), minutes(30));
    EXPECT_EQ(parse_duration("-9999999999"), milliseconds(-9999999999));
}

TEST(GovernanceDuration, ExplainsWhyThroughTheSharedParser) {
    std::string error;
    EXPECT_EQ(config::parse_iso_duration("PT3000000H", &error), std::nullopt);
    EXPECT_EQ(error, "duration '3000000H' is too large");
    EXPECT_EQ(config::parse_iso_duration("1S1M", &error), std::nullopt);
    EXPECT_EQ(error, "duration '1S1M' must give H, M and S at most once each, in that order");
}

TEST(GovernanceDuration, FormatsForMessages) {
    EXPECT_EQ(format_duration(seconds(2)), "2s");
    EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
    EXPECT_EQ(format_duration(milliseconds(0)), "0ms");
    EXPECT_EQ(format_duration(milliseconds(-5)), "-5ms");
}

}  // namespace
}  // namespace scagent::plugins::governance
