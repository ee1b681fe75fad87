#include "plugins/api/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace scagent::plugins {
namespace {

TEST(TextTest, WellFormedUtf8IsValid) {
    for (const std::string text : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5",
                                   "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF"}) {
        EXPECT_TRUE(valid_utf8(text)) << text;
    }
}

TEST(TextTest, MalformedUtf8IsInvalid) {
    for (const std::string text : {
             "\xFF",              // never a UTF-8 byte
             "\x80",              // a lone continuation byte
             "caf\xC3",           // truncated at the end
             "\xC3(",             // a continuation byte missing
             "\xC0\xAF",          // overlong '/'
             "\xE0\x80\xAF",      // overlong, three bytes
             "\xF0\x80\x80\xAF",  // overlong, four bytes
             "\xED\xA0\x80",      // a UTF-16 surrogate
             "\xF4\x90\x80\x80",  // past U+10FFFF
             "\xF5\x80\x80\x80",
         }) {
        EXPECT_FALSE(valid_utf8(text)) << testing::PrintToString(text);
    }
}

TEST(TextTest, DumpJsonReplacesInvalidUtf8InsteadOfThrowing) {
    const nlohmann::json value{{"reason", "bad \xFF byte"}};
    EXPECT_THROW((void)value.dump(), nlohmann::json::type_error);
    EXPECT_EQ(dump_json(value), "{\"reason\":\"bad \xEF\xBF\xBD byte\"}");
}

TEST(TextTest, EscapeForLogEscapesControlCharactersAndBytesThatAreNotUtf8) {
    EXPECT_EQ(escape_for_log("ok\r\nINFO forged line\tx"), "ok\\r\\nINFO forged line\\tx");
    EXPECT_EQ(escape_for_log(std::string("nul\0bell\x07" "del\x7F", 13)), "nul\\x00bell\\x07del\\x7f");
    EXPECT_EQ(escape_for_log("bad \xFF, caf\xC3\xA9"), "bad \\xff, caf\xC3\xA9");
}

TEST(TextTest, EscapeForLogCapsTheSizeAndSaysHowBigTheTextWas) {
    const std::string big(10'000, 'a');
    EXPECT_EQ(escape_for_log(big), std::string(kLogFieldCap, 'a') + "\u2026(10000 bytes)");
    EXPECT_EQ(escape_for_log("abcdef", 4), "abcd\u2026(6 bytes)");
    EXPECT_EQ(escape_for_log("abcd", 4), "abcd");
    // An escape is never cut in half.
    EXPECT_EQ(escape_for_log("abc\n", 4), "abc\u2026(4 bytes)");
}

}  // namespace
}  // namespace scagent::plugins
