#include "agent/app/logging.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace scagent::app {
namespace {

TEST(RedactSecrets, LeavesOrdinaryLinesAlone) {
    EXPECT_EQ(redact_secrets("registered cart 1.0.0 as 8aed80ea"),
              "registered cart 1.0.0 as 8aed80ea");
}

TEST(RedactSecrets, MasksAuthorizationHeaders) {
    EXPECT_EQ(redact_secrets("PUT /x Authorization: Bearer eyJhbGciOi.abc.def done"),
              "PUT /x Authorization: Bearer *** done");
    EXPECT_EQ(redact_secrets("authorization=Basic dXNlcjpwYXNz"), "authorization=Basic ***");
    EXPECT_EQ(redact_secrets("token refreshed: bearer abc.DEF-123"), "token refreshed: bearer ***");
}

TEST(RedactSecrets, MasksPasswordAndTokenFields) {
    EXPECT_EQ(redact_secrets(R"(body {"name":"admin","password":"hunter2"})"),
              R"(body {"name":"admin","password":"***"})");
    EXPECT_EQ(redact_secrets(R"({"token":"eyJ.x.y"})"), R"({"token":"***"})");
    EXPECT_EQ(redact_secrets("password: hunter2"), "password: ***");
    EXPECT_EQ(redact_secrets("url ?user=a&secret=xyz&b=1"), "url ?user=a&secret=***&b=1");
}

TEST(JsonLogFormat, EscapesAndStaysParseable) {
    const std::string line = format_json_line("2026-11-28T10:00:00.000Z", "info", "sc-agent",
                                              "a \"quoted\"\n\tline\x01");
    const auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed["time"], "2026-11-28T10:00:00.000Z");
    EXPECT_EQ(parsed["level"], "info");
    EXPECT_EQ(parsed["logger"], "sc-agent");
    EXPECT_EQ(parsed["message"], "a \"quoted\"\n\tline\x01");
}

}  // namespace
}  // namespace scagent::app
