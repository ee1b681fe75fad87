#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "plugins/governance/common.hpp"

namespace re2 {
class RE2;
}

namespace scagent::plugins::governance {

/// Which operator names a map may use; the two dialects of spec §4.2 and §4.5 differ.
enum class OperatorDialect {
    kJava,   // exact, contains, prefix, suffix, compare
    kGo,     // exact, contains, regex, noEqu, less, noLess, greater, noGreater
    kRoute,  // route-rule headers: the union of both, plus `caseInsensitive`
};

enum class OperatorKind {
    kExact,
    kContains,
    kPrefix,
    kSuffix,
    kCompare,
    kRegex,
    kNoEqu,
    kLess,
    kNoLess,
    kGreater,
    kNoGreater,
};

/// One `operator: operand` pair, compiled at parse time (regex, compare pattern, integers).
struct Condition {
    OperatorKind kind = OperatorKind::kExact;
    std::string operand;
    bool case_insensitive = false;
    // Pre-parsed operand: `compare` keeps its relation and number, ordering ops their integer.
    std::string relation;
    double number = 0;
    long long integer = 0;
    /// `regex` (go-chassis: Go's regexp, i.e. RE2 syntax, unanchored): RE2 runs in time linear
    /// in the input, so a client's header cannot make a pattern from the config center backtrack.
    std::shared_ptr<const re2::RE2> regex;

    bool matches(std::string_view value) const;
    bool operator==(const Condition& other) const {
        return kind == other.kind && operand == other.operand &&
               case_insensitive == other.case_insensitive;
    }
};

/// An operator map. java-chassis requires every operator to hold; go-chassis apiPath and
/// queries need only one (`any_of`).
struct ConditionSet {
    std::vector<Condition> conditions;
    bool any_of = false;

    bool matches(std::string_view value) const;
    bool operator==(const ConditionSet&) const = default;
};

/// Parses an operator map at `path`; on error records it and returns false.
bool parse_condition_set(const YAML::Node& node, const std::string& path, OperatorDialect dialect,
                         bool any_of, ConditionSet& out, ItemErrors& errors);

}  // namespace scagent::plugins::governance
