#include "config/yaml_bounds.hpp"

#include <gtest/gtest.h>

#include <string>

namespace scagent::config {
namespace {

std::string nested_lists(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') + "x" +
           std::string(static_cast<std::size_t>(depth), ']');
}

std::string bound_error(const std::string& text, const YamlBounds& bounds = {}) {
    try {
        load_yaml(text, bounds);
    } catch (const YAML::ParserException& e) {
        return e.msg;
    }
    return "";
}

TEST(YamlBoundsTest, OrdinaryDocumentsLoad) {
    const auto root = load_yaml("a: &x {b: 1}\nc: *x\nd: [1, 2, [3]]\n");
    EXPECT_EQ(root["c"]["b"].as<int>(), 1);
}

TEST(YamlBoundsTest, ASelfReferencingAliasIsRejected) {
    EXPECT_NE(bound_error("x: &a [*a]").find("alias refers to itself"), std::string::npos);
    EXPECT_NE(bound_error("&a {k: *a}").find("nested deeper"), std::string::npos);
}

TEST(YamlBoundsTest, DepthIsBoundedAtTheLimit) {
    EXPECT_EQ(bound_error(nested_lists(64)), "");
    EXPECT_NE(bound_error(nested_lists(65)).find("deeper than 64"), std::string::npos);
}

TEST(YamlBoundsTest, AliasesAreCountedAtEveryUse) {
    std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    text += "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
    text += "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
    YamlBounds bounds;
    bounds.max_nodes = 1000;
    EXPECT_NE(bound_error(text, bounds).find("more than 1000 nodes"), std::string::npos);
    bounds.max_nodes = 2000;
    EXPECT_EQ(bound_error(text, bounds), "");
    bounds.max_scalar_bytes = 500;
    EXPECT_NE(bound_error(text, bounds).find("more than 500 bytes"), std::string::npos);
}

TEST(YamlBoundsTest, BillionLaughsStopsAtTheNodeBound) {
    std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int level = 1; level <= 9; ++level) {
        text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i) {
            text += (i == 0 ? "*l" : ", *l") + std::to_string(level - 1);
        }
        text += "]\n";
    }
    EXPECT_NE(bound_error(text).find("more than 100000 nodes"), std::string::npos);
}

}  // namespace
}  // namespace scagent::config
