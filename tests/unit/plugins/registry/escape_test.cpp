#include "plugins/registry/servicecomb/escape.hpp"

#include <gtest/gtest.h>

namespace scagent::plugins::servicecomb {
namespace {

TEST(EscapeTest, PathSegmentKeepsUnreservedOnly) {
    EXPECT_EQ(escape_path_segment("abc-DEF_1.2~"), "abc-DEF_1.2~");
    EXPECT_EQ(escape_path_segment("a/b?c#d"), "a%2Fb%3Fc%23d");
    EXPECT_EQ(escape_path_segment("../x"), "..%2Fx");
    EXPECT_EQ(escape_path_segment("a b%"), "a%20b%25");
    EXPECT_EQ(escape_path_segment("\xc3\xa9"), "%C3%A9");
}

TEST(EscapeTest, QueryValueEncodesDelimitersAndPlus) {
    EXPECT_EQ(escape_query_value("app:shop"), "app:shop");
    EXPECT_EQ(escape_query_value("a,b"), "a,b");
    EXPECT_EQ(escape_query_value("0+"), "0%2B");
    EXPECT_EQ(escape_query_value("a&b=c#d e"), "a%26b%3Dc%23d%20e");
}

TEST(EscapeTest, QueryStringJoinsAndSkipsEmptyOptionalValues) {
    QueryString query;
    EXPECT_EQ(query.str(), "");
    query.add("a", "1").add_if("b", "").add("c", "");
    EXPECT_EQ(query.str(), "?a=1&c=");
}

}  // namespace
}  // namespace scagent::plugins::servicecomb
