#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "plugins/api/request_view.hpp"
#include "plugins/governance/common.hpp"
#include "plugins/governance/match/condition.hpp"

namespace scagent::plugins::governance {

/// Which spelling an item used: `servicecomb.matchGroup.*` (java-chassis, spec §4.2) or the
/// legacy `servicecomb.match.*` marker (go-chassis/Mesher, spec §4.5).
enum class MatchDialect { kJava, kGo };

using NamedConditions = std::vector<std::pair<std::string, ConditionSet>>;

/// One entry of `matches[]`: every condition present must hold.
struct MatchEntry {
    std::string name;
    std::optional<std::vector<std::string>> methods;
    bool methods_upper_case = false;  // go-chassis compares methods upper-cased
    std::optional<ConditionSet> api_path;
    NamedConditions headers;  // every named header must exist and satisfy its set
    NamedConditions queries;
    std::optional<std::string> service_name;

    bool matches(const RequestView& request) const;
    bool operator==(const MatchEntry&) const = default;
};

/// A parsed traffic marker; immutable once built, shared by every snapshot that keeps it.
struct MatchGroupConfig {
    PolicyMeta meta;
    MatchDialect dialect = MatchDialect::kJava;
    std::vector<MatchEntry> entries;  // `matches[]`: OR
    std::string traffic_mark_policy;  // go-chassis only: "", "once" or "perService"

    bool matches(const RequestView& request) const;
    bool operator==(const MatchGroupConfig&) const = default;
};

/// Parses `{name: {operator: value}}` (headers, queries) at `path`.
bool parse_named_conditions(const YAML::Node& node, const std::string& path,
                            OperatorDialect operators, bool any_of, NamedConditions& out,
                            ItemErrors& errors);

/// Parses one `matches[]` entry at `path` (shared with route rules' `match`).
bool parse_match_entry(const YAML::Node& node, const std::string& path, MatchDialect dialect,
                       OperatorDialect operators, MatchEntry& out, ItemErrors& errors);

/// Parses the value of `servicecomb.matchGroup.<name>` / `servicecomb.match.<name>`.
std::shared_ptr<const MatchGroupConfig> parse_match_group(const YAML::Node& root, std::string name,
                                                          MatchDialect dialect, ItemErrors& errors);

}  // namespace scagent::plugins::governance
