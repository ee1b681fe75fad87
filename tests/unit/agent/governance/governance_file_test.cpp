#include <gtest/gtest.h>

#include <cstdlib>

#include "agent/governance/governance_inputs.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_paths.hpp"

namespace scagent::governance {
namespace {

namespace gov = plugins::governance;

std::string fixture(const std::string& name) {
    const char* data = std::getenv("SC_AGENT_TEST_DATA");
    return (data != nullptr ? std::string(data) : scagent::test::source_dir() + "/tests/data") +
           "/governance/" + name;
}

std::vector<gov::GovernanceInput> as_inputs(const std::vector<RawInput>& raw) {
    return merge_inputs(raw, {});
}

TEST(GovernanceFileTest, BothDialectFixturesLoadAsAGovernanceFile) {
    for (const auto* name : {"java_dialect.yaml", "go_dialect.yaml"}) {
        const auto read = read_governance_file(fixture(name));
        ASSERT_TRUE(read.error.empty()) << name << ": " << read.error;
        ASSERT_FALSE(read.inputs.empty()) << name;
        EXPECT_EQ(read.inputs[0].source, "file:" + fixture(name));
        const auto snapshot =
            gov::GovernanceSnapshot::build(as_inputs(read.inputs), {"orders", "1.0.0"});
        std::size_t applied = 0;
        for (const auto& item : snapshot->items()) {
            EXPECT_NE(item.status, gov::ItemStatus::kRejected) << name << " " << item.key;
            applied += item.status == gov::ItemStatus::kApplied ? 1 : 0;
        }
        EXPECT_GT(applied, 0u) << name;
    }
}

TEST(GovernanceFileTest, InvalidItemsFixtureRejectsTheBadOnesAndAppliesTheValid) {
    const auto read = read_governance_file(fixture("invalid_items.yaml"));
    ASSERT_TRUE(read.error.empty()) << read.error;
    const auto snapshot =
        gov::GovernanceSnapshot::build(as_inputs(read.inputs), {"orders", "1.0.0"});
    for (const auto& item : snapshot->items()) {
        const bool valid = item.name == "ok";
        EXPECT_EQ(item.status, valid ? gov::ItemStatus::kApplied : gov::ItemStatus::kRejected)
            << item.key;
    }
    EXPECT_EQ(snapshot->retries().size(), 1u);
}

TEST(GovernanceFileTest, NestedValuesAreReEmittedAsYamlText) {
    test::TempDir dir;
    const auto path = dir.write("g.yaml",
                                "servicecomb.rateLimiting.a:\n  rate: 7\n"
                                "servicecomb.retry.b: \"maxAttempts: 2\"\n");
    const auto read = read_governance_file(path);
    ASSERT_TRUE(read.error.empty()) << read.error;
    ASSERT_EQ(read.inputs.size(), 2u);
    EXPECT_EQ(read.inputs[0].value, "rate: 7");
    EXPECT_EQ(read.inputs[1].value, "maxAttempts: 2");
}

TEST(GovernanceFileTest, FileLevelProblemsAreErrorsWithThePath) {
    test::TempDir dir;
    const auto dup = dir.write("dup.yaml", "servicecomb.retry.a: x\nservicecomb.retry.a: y\n");
    EXPECT_EQ(read_governance_file(dup).error, dup + ":2:1: servicecomb.retry.a: duplicate key");
    const auto list = dir.write("list.yaml", "- a\n- b\n");
    EXPECT_EQ(read_governance_file(list).error,
              list + ": expected a mapping of kie key to YAML text");
    const auto missing = (dir.path() / "missing.yaml").string();
    EXPECT_EQ(read_governance_file(missing).error, missing + ": cannot open the governance file");
    const auto empty = dir.write("empty.yaml", "");
    const auto read = read_governance_file(empty);
    EXPECT_TRUE(read.error.empty());
    EXPECT_TRUE(read.inputs.empty());
}

}  // namespace
}  // namespace scagent::governance
