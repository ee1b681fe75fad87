#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "plugins/governance/item_parser.hpp"
#include "plugins/governance/snapshot.hpp"
#include "tests/support/test_paths.hpp"

namespace scagent::plugins::governance::testing {

/// Parses one item and returns its config of type T, failing the test if it was rejected.
template <class T>
std::shared_ptr<const T> parse_ok(const std::string& key, const std::string& yaml) {
    ParsedItem item = parse_item(key, yaml);
    EXPECT_TRUE(item.ok()) << key << ": " << ::testing::PrintToString(item.rendered_errors());
    if (!item.ok()) {
        return nullptr;
    }
    return std::get<std::shared_ptr<const T>>(item.config);
}

/// Parses one item that must be rejected and returns its rendered errors.
inline std::vector<std::string> parse_errors(const std::string& key, const std::string& yaml) {
    ParsedItem item = parse_item(key, yaml);
    EXPECT_FALSE(item.ok()) << key << " was accepted";
    return item.rendered_errors();
}

inline std::string test_data_dir() {
    const char* dir = std::getenv("SC_AGENT_TEST_DATA");
    return dir != nullptr ? dir : scagent::test::source_dir() + "/tests/data";
}

/// Loads a fixture: a YAML mapping of kie key -> YAML text, in file order.
inline std::vector<GovernanceInput> load_fixture(const std::string& name) {
    const std::string path = test_data_dir() + "/governance/" + name;
    YAML::Node root = YAML::LoadFile(path);
    std::vector<GovernanceInput> inputs;
    for (const auto& kv : root) {
        inputs.push_back({kv.first.as<std::string>(), kv.second.as<std::string>(), "file:" + name});
    }
    return inputs;
}

}  // namespace scagent::plugins::governance::testing
