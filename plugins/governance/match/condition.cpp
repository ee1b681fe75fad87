#include "plugins/governance/match/condition.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <utility>

#include <re2/re2.h>

#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

namespace {

struct OperatorName {
    std::string_view name;
    OperatorKind kind;
    bool java;
    bool go;
};

// One explicit table: the name each dialect accepts for each operator.
constexpr OperatorName kOperators[] = {
    {"exact", OperatorKind::kExact, true, true},
    {"contains", OperatorKind::kContains, true, true},
    {"prefix", OperatorKind::kPrefix, true, false},
    {"suffix", OperatorKind::kSuffix, true, false},
    {"compare", OperatorKind::kCompare, true, false},
    {"regex", OperatorKind::kRegex, false, true},
    {"noEqu", OperatorKind::kNoEqu, false, true},
    {"less", OperatorKind::kLess, false, true},
    {"noLess", OperatorKind::kNoLess, false, true},
    {"greater", OperatorKind::kGreater, false, true},
    {"noGreater", OperatorKind::kNoGreater, false, true},
};

bool allowed(const OperatorName& op, OperatorDialect dialect) {
    switch (dialect) {
        case OperatorDialect::kJava:
            return op.java;
        case OperatorDialect::kGo:
            return op.go;
        case OperatorDialect::kRoute:
            return true;
    }
    return false;
}

std::string known_names(OperatorDialect dialect) {
    std::string out;
    for (const auto& op : kOperators) {
        if (allowed(op, dialect)) {
            out += out.empty() ? "" : ", ";
            out += op.name;
        }
    }
    return out;
}

/// Patterns and their memory are bounded: a config-center item cannot make the agent build a
/// huge automaton (RE2 refuses a pattern past max_mem with an error instead).
constexpr std::int64_t kRegexMemory = 1 << 20;

std::shared_ptr<const re2::RE2> compile_regex(const std::string& pattern, bool case_insensitive) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kRegexMemory);
    options.set_case_sensitive(!case_insensitive);
    return std::make_shared<const re2::RE2>(pattern, options);
}

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool equal_chars(std::string_view a, std::string_view b, bool icase) {
    if (a.size() != b.size()) {
        return false;
    }
    if (!icase) {
        return a == b;
    }
    return std::equal(a.begin(), a.end(), b.begin(),
                      [](char x, char y) { return lower(x) == lower(y); });
}

bool contains_chars(std::string_view hay, std::string_view needle, bool icase) {
    if (!icase) {
        return hay.find(needle) != std::string_view::npos;
    }
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                          [](char x, char y) { return lower(x) == lower(y); });
    return it != hay.end() || needle.empty();
}

// java-chassis `compare`: one or two relation characters, then a number.
bool parse_compare(std::string_view operand, std::string& relation, double& number) {
    auto is_rel = [](char c) { return c == '>' || c == '<' || c == '=' || c == '!'; };
    std::size_t n = 0;
    while (n < operand.size() && n < 2 && is_rel(operand[n])) {
        ++n;
    }
    relation = std::string(operand.substr(0, n));
    static constexpr std::string_view kRelations[] = {">", "<", "=", ">=", "<=", "!", "!="};
    if (std::find(std::begin(kRelations), std::end(kRelations), relation) == std::end(kRelations)) {
        return false;
    }
    return to_double(operand.substr(n), number);
}

constexpr double kTolerance = 1e-6;

bool compare_holds(const Condition& c, std::string_view value) {
    double v = 0;
    if (!to_double(value, v)) {
        return false;
    }
    const auto& r = c.relation;
    if (r == ">") {
        return v > c.number;
    }
    if (r == "<") {
        return v < c.number;
    }
    if (r == ">=") {
        return v >= c.number;
    }
    if (r == "<=") {
        return v <= c.number;
    }
    if (r == "=") {
        return std::fabs(v - c.number) < kTolerance;
    }
    return std::fabs(v - c.number) > kTolerance;  // "!" and "!="
}

}  // namespace

bool Condition::matches(std::string_view value) const {
    const bool ic = case_insensitive;
    long long v = 0;
    switch (kind) {
        case OperatorKind::kExact:
            return equal_chars(value, operand, ic);
        case OperatorKind::kContains:
            return contains_chars(value, operand, ic);
        case OperatorKind::kPrefix:
            return value.size() >= operand.size() &&
                   equal_chars(value.substr(0, operand.size()), operand, ic);
        case OperatorKind::kSuffix:
            return value.size() >= operand.size() &&
                   equal_chars(value.substr(value.size() - operand.size()), operand, ic);
        case OperatorKind::kCompare:
            return compare_holds(*this, value);
        case OperatorKind::kRegex:
            return re2::RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *regex);
        case OperatorKind::kNoEqu:
            return !equal_chars(value, operand, ic);
        case OperatorKind::kLess:
            return to_int(value, v) && v < integer;
        case OperatorKind::kNoLess:
            return to_int(value, v) && v >= integer;
        case OperatorKind::kGreater:
            return to_int(value, v) && v > integer;
        case OperatorKind::kNoGreater:
            return to_int(value, v) && v <= integer;
    }
    return false;
}

bool ConditionSet::matches(std::string_view value) const {
    if (any_of) {
        return std::any_of(conditions.begin(), conditions.end(),
                           [&](const Condition& c) { return c.matches(value); });
    }
    return std::all_of(conditions.begin(), conditions.end(),
                       [&](const Condition& c) { return c.matches(value); });
}

bool parse_condition_set(const YAML::Node& node, const std::string& path, OperatorDialect dialect,
                         bool any_of, ConditionSet& out, ItemErrors& errors) {
    if (!node.IsMap()) {
        add_error(errors, node, path, "must be a mapping of operator to value");
        return false;
    }
    const std::size_t before = errors.size();
    check_keys(node, path, errors);
    bool case_insensitive = false;
    ConditionSet set;
    set.any_of = any_of;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
            continue;  // reported by check_keys
        }
        const std::string& name = kv.first.Scalar();
        const std::string op_path = join_path(path, name);
        std::string operand;
        if (!scalar_text(kv.second, operand)) {
            add_error(errors, kv.second, op_path, "must be a scalar");
            continue;
        }
        if (dialect == OperatorDialect::kRoute && name == "caseInsensitive") {
            if (operand != "true" && operand != "false") {
                add_error(errors, kv.second, op_path, "must be true or false");
            }
            case_insensitive = operand == "true";
            continue;
        }
        auto op = std::find_if(std::begin(kOperators), std::end(kOperators),
                               [&](const OperatorName& o) { return o.name == name; });
        if (op == std::end(kOperators) || !allowed(*op, dialect)) {
            add_error(errors, kv.first, op_path,
                      "unknown operator '" + name + "' (known: " + known_names(dialect) + ")");
            continue;
        }
        Condition c;
        c.kind = op->kind;
        c.operand = operand;
        if (c.kind == OperatorKind::kCompare && !parse_compare(operand, c.relation, c.number)) {
            add_error(errors, kv.second, op_path,
                      "must be one of >, <, =, >=, <=, !, != followed by a number, got '" +
                          operand + "'");
            continue;
        }
        if ((c.kind == OperatorKind::kLess || c.kind == OperatorKind::kNoLess ||
             c.kind == OperatorKind::kGreater || c.kind == OperatorKind::kNoGreater) &&
            !to_int(operand, c.integer)) {
            add_error(errors, kv.second, op_path, "must be an integer, got '" + operand + "'");
            continue;
        }
        if (c.kind == OperatorKind::kRegex) {
            c.regex = compile_regex(operand, false);
            if (!c.regex->ok()) {
                add_error(errors, kv.second, op_path,
                          "invalid regular expression '" + operand + "': " + c.regex->error());
                continue;
            }
        }
        set.conditions.push_back(std::move(c));
    }
    if (set.conditions.empty() && errors.size() == before) {
        add_error(errors, node, path, "must contain at least one operator");
    }
    if (errors.size() != before) {
        return false;
    }
    for (auto& c : set.conditions) {
        c.case_insensitive = case_insensitive;
        if (c.regex && case_insensitive) {
            c.regex = compile_regex(c.operand, true);
        }
    }
    out = std::move(set);
    return true;
}

}  // namespace scagent::plugins::governance
