#include "config/duration.hpp"

#include <gtest/gtest.h>

namespace scagent::config {
namespace {

using namespace std::chrono_literals;

std::string error_of(std::string_view text) {
    std::string error;
    EXPECT_FALSE(parse_duration(text, &error).has_value()) << text;
    return error;
}

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("500ms", nullptr), 500ms);
    EXPECT_EQ(parse_duration("30s", nullptr), 30s);
    EXPECT_EQ(parse_duration("5m", nullptr), 5min);
    EXPECT_EQ(parse_duration("2h", nullptr), 2h);
    EXPECT_EQ(parse_duration("0", nullptr), 0ms);
}

TEST(Duration, ParsesCompoundsAndFractions) {
    EXPECT_EQ(parse_duration("1m30s", nullptr), 90s);
    EXPECT_EQ(parse_duration("1h2m3s4ms", nullptr), 1h + 2min + 3s + 4ms);
    EXPECT_EQ(parse_duration("1.5s", nullptr), 1500ms);
    EXPECT_EQ(parse_duration("0.25m", nullptr), 15s);
}

TEST(Duration, RejectsBadInput) {
    EXPECT_EQ(error_of(""), "empty duration; use a number with a unit such as 500ms, 30s, 5m");
    EXPECT_EQ(error_of("30"), "duration '30' has no unit; use ms, s, m or h (e.g. 30s)");
    EXPECT_EQ(error_of("5x"), "unknown unit 'x' in duration '5x'; use ms, s, m or h");
    EXPECT_EQ(error_of("-5s"), "negative duration '-5s' is not allowed");
    EXPECT_EQ(error_of("s"),
              "invalid duration 's'; use a number with a unit such as 500ms, 30s, 5m");
    EXPECT_EQ(error_of("1.0005s"), "duration '1.0005s' is finer than one millisecond");
    EXPECT_EQ(error_of("99999999999999999h"), "duration '99999999999999999h' is too large");
    EXPECT_EQ(error_of("10 s"), "duration '10 s' must not contain spaces; write e.g. 30s or 1m30s");
}

TEST(Duration, RejectsOverflowInsteadOfWrapping) {
    EXPECT_EQ(error_of("3000000000000h"), "duration '3000000000000h' is too large");
    EXPECT_EQ(error_of("9223372036854775808ms"), "duration '9223372036854775808ms' is too large");
    EXPECT_EQ(error_of("2562047h1h"), "duration '2562047h1h' is too large");
    EXPECT_EQ(parse_duration("2562047h", nullptr), 2562047h);
}

TEST(Duration, RejectsNegativeAndSignedParts) {
    EXPECT_EQ(error_of("-0s"), "negative duration '-0s' is not allowed");
    EXPECT_EQ(error_of("1m-5s"),
              "invalid duration '1m-5s'; use a number with a unit such as 500ms, 30s, 5m");
    EXPECT_EQ(error_of("+5s"),
              "invalid duration '+5s'; use a number with a unit such as 500ms, 30s, 5m");
}

TEST(GoDuration, ParsesGoUnitsAndFractions) {
    EXPECT_EQ(parse_go_duration("0"), 0ns);
    EXPECT_EQ(parse_go_duration("10s"), 10s);
    EXPECT_EQ(parse_go_duration("1m30s"), 90s);
    EXPECT_EQ(parse_go_duration("1.5h"), 90min);
    EXPECT_EQ(parse_go_duration("250us"), 250us);
    EXPECT_EQ(parse_go_duration("250\xC2\xB5s"), 250us);
    EXPECT_EQ(parse_go_duration("7ns"), 7ns);
    EXPECT_EQ(parse_go_duration("1.5ns"), 1ns);  // Go truncates below a nanosecond
    EXPECT_EQ(parse_go_duration(".5s"), 500ms);
}

TEST(GoDuration, RejectsBadNegativeAndOverflowingInput) {
    for (const char* text : {"", "10", "s", ".s", "5x", "1..5s", "10 s", "+5s"}) {
        EXPECT_EQ(parse_go_duration(text), std::nullopt) << text;
    }
    std::string error;
    EXPECT_EQ(parse_go_duration("-5s", &error), std::nullopt);
    EXPECT_EQ(error, "negative duration '-5s' is not allowed");
    EXPECT_EQ(parse_go_duration("3000000000000h", &error), std::nullopt);
    EXPECT_EQ(error, "duration '3000000000000h' is too large");
    EXPECT_EQ(parse_go_duration("9223372036854775807ns"), 9223372036854775807ns);
    EXPECT_EQ(parse_go_duration("9223372036854775808ns"), std::nullopt);
    EXPECT_EQ(parse_go_duration("5x", &error), std::nullopt);
    EXPECT_EQ(error, "unknown unit 'x' in duration '5x'; use ns, us, ms, s, m or h");
}

TEST(Duration, FormatsShortestForm) {
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(30s), "30s");
    EXPECT_EQ(format_duration(5min), "5m");
    EXPECT_EQ(format_duration(2h), "2h");
    EXPECT_EQ(format_duration(0ms), "0ms");
}

TEST(Duration, FormatsUpToALargestUnit) {
    EXPECT_EQ(format_duration(std::chrono::nanoseconds(90s), 1s), "90s");
    EXPECT_EQ(format_duration(std::chrono::nanoseconds(2h), 1h), "2h");
    EXPECT_EQ(format_duration(1500us, 1s), "1500000ns");
    EXPECT_EQ(format_duration(std::chrono::nanoseconds(-5ms), 1s), "-5ms");
}

}  // namespace
}  // namespace scagent::config
