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

TEST(RedactSecrets, MasksOAuthStyleNames) {
    for (const char* name : {"access_token", "client_secret", "refresh_token", "id_token",
                             "api_password", "X-Auth-Token", "Password", "credentials"}) {
        const std::string key = name;
        EXPECT_EQ(redact_secrets("{\"" + key + "\":\"s3cr3t\",\"n\":1}"),
                  "{\"" + key + "\":\"***\",\"n\":1}")
            << name;
        EXPECT_EQ(redact_secrets("?a=1&" + key + "=s3cr3t&b=2"), "?a=1&" + key + "=***&b=2")
            << name;
        EXPECT_EQ(redact_secrets(key + ": s3cr3t"), key + ": ***") << name;
    }
    // Names that only contain a secret word are left alone.
    EXPECT_EQ(redact_secrets("tokens=5 passwordless=true mytoken=x"),
              "tokens=5 passwordless=true mytoken=x");
}

TEST(RedactSecrets, MasksAQuotedValueUpToItsClosingQuote) {
    EXPECT_EQ(redact_secrets(R"({"password":"two words \" and a quote","u":"a"})"),
              R"({"password":"***","u":"a"})");
    EXPECT_EQ(redact_secrets(R"({"authorization":"Basic dXNlcjpwYXNz"})"),
              R"({"authorization":"Basic ***"})");
}

TEST(RedactSecrets, TenMebibyteBodyIsRedactedInOnePass) {
    // A backtracking regex recursed per character here and overflowed the stack.
    std::string body = R"({"access_token":")" + std::string(10u << 20, 'x') + R"(","items":[)";
    for (int i = 0; i < 100'000; ++i) {
        body += R"({"k":"v","password":"p"},)";
    }
    body += "{}]}";
    const auto redacted = redact_secrets(body);
    EXPECT_EQ(redacted.substr(0, 22), R"({"access_token":"***",)");
    EXPECT_EQ(redacted.find('x'), std::string::npos);
    EXPECT_EQ(redacted.find(R"("p")"), std::string::npos);
}

TEST(SanitizeLogMessage, EscapesLineBreaksAndCapsTheLine) {
    EXPECT_EQ(sanitize_log_message("registry said: bad\r\n2026-01-01 INFO forged"),
              "registry said: bad\\r\\n2026-01-01 INFO forged");
    const auto capped = sanitize_log_message("password=" + std::string(10u << 20, 'y') + " " +
                                             std::string(10u << 20, 'z'));
    EXPECT_LT(capped.size(), 17u * 1024);
    EXPECT_EQ(capped.substr(0, 14), "password=*** z");
    EXPECT_NE(capped.find("\u2026(" + std::to_string(9 + 3 + 1 + (10u << 20)) + " bytes)"),
              std::string::npos)
        << capped.substr(capped.size() - 40);
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
