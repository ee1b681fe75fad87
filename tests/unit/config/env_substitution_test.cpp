#include "config/env_substitution.hpp"

#include <gtest/gtest.h>

#include <map>

namespace scagent::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        if (const auto found = values.find(name); found != values.end()) {
            return found->second;
        }
        return std::nullopt;
    };
}

std::string substitute(std::string_view text, const EnvLookup& env) {
    std::string error;
    const auto result = substitute_env(text, env, &error);
    return result ? *result : "ERROR: " + error;
}

TEST(EnvSubstitution, ReplacesVariables) {
    const auto env = fake_env({{"HOST", "sc-1"}, {"PORT", "30100"}, {"EMPTY", ""}});
    EXPECT_EQ(substitute("http://${HOST}:${PORT}", env), "http://sc-1:30100");
    EXPECT_EQ(substitute("no variables", env), "no variables");
    EXPECT_EQ(substitute("cost $5", env), "cost $5");
    EXPECT_EQ(substitute("[${EMPTY}]", env), "[]");
}

TEST(EnvSubstitution, FallbackAppliesWhenUnsetOrEmpty) {
    const auto env = fake_env({{"EMPTY", ""}, {"SET", "x"}});
    EXPECT_EQ(substitute("${MISSING:-dflt}", env), "dflt");
    EXPECT_EQ(substitute("${EMPTY:-dflt}", env), "dflt");
    EXPECT_EQ(substitute("${SET:-dflt}", env), "x");
}

TEST(EnvSubstitution, EscapedDollarBraceIsLiteral) {
    EXPECT_EQ(substitute("$${NOT_A_VAR}", fake_env({})), "${NOT_A_VAR}");
}

TEST(EnvSubstitution, ErrorsNameTheProblem) {
    const auto env = fake_env({});
    EXPECT_EQ(substitute("${MISSING}", env),
              "ERROR: environment variable MISSING is not set (write ${MISSING:-default} for a "
              "fallback)");
    EXPECT_EQ(substitute("${OPEN", env), "ERROR: unterminated '${' in \"${OPEN\"");
    EXPECT_EQ(substitute("${}", env), "ERROR: empty variable name in '${}'");
}

}  // namespace
}  // namespace scagent::config
