#include "agent/governance/inputs_json.hpp"

#include <gtest/gtest.h>

namespace scagent::governance {
namespace {

TEST(InputsJsonTest, RoundTripKeepsEveryField) {
    const std::vector<RawInput> inputs = {
        {"servicecomb.retry.r1", "maxAttempts: 3\n", "kie:service", 42},
        {"servicecomb.matchGroup.r1", "matches:\n  - apiPath: {prefix: /}\n", "file:/etc/g.yaml",
         0},
    };
    EXPECT_EQ(inputs_from_json(inputs_to_json(inputs)), inputs);
}

TEST(InputsJsonTest, MalformedEntriesAreSkippedNotThrown) {
    const auto json = nlohmann::json::parse(R"([
        {"key": "servicecomb.retry.ok", "value": "maxAttempts: 1", "source": "kie:app"},
        {"key": 7, "value": "x", "source": "kie:app"},
        {"key": "servicecomb.retry.novalue", "source": "kie:app"},
        "not an object",
        {"key": "servicecomb.retry.badrev", "value": "v", "source": "kie:app", "revision": "9"}
    ])");
    const auto inputs = inputs_from_json(json);
    ASSERT_EQ(inputs.size(), 2u);
    EXPECT_EQ(inputs[0].key, "servicecomb.retry.ok");
    EXPECT_EQ(inputs[0].revision, 0);
    EXPECT_EQ(inputs[1].key, "servicecomb.retry.badrev");
    EXPECT_EQ(inputs[1].revision, 0);
    EXPECT_TRUE(inputs_from_json(nlohmann::json::object()).empty());
    EXPECT_TRUE(inputs_from_json(nullptr).empty());
}

}  // namespace
}  // namespace scagent::governance
