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

TEST(Duration, FormatsShortestForm) {
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(30s), "30s");
    EXPECT_EQ(format_duration(5min), "5m");
    EXPECT_EQ(format_duration(2h), "2h");
    EXPECT_EQ(format_duration(0ms), "0ms");
}

}  // namespace
}  // namespace scagent::config
