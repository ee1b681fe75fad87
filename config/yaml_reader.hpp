#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/env_substitution.hpp"
#include "config/integer.hpp"
#include "config/secret.hpp"
#include "config/yaml_bounds.hpp"

namespace scagent::config {

/// What every reader of one file shares.
struct ParseContext {
    std::string file;
    Diagnostics* diagnostics = nullptr;
    EnvLookup env;
    /// When set, `SC_AGENT_<DOTTED_PATH>` environment variables override keys (agent.yaml only).
    bool env_overrides = false;
};

/// Where a value came from, for diagnostics.
struct Where {
    Location location;
    std::string path;
};

Location location_of(const ParseContext& context, const YAML::Mark& mark);

// The strict core both YAML readers share (this one and governance's Fields); each keeps its own
// wording and policy for unknown keys.

/// 1-based line and column of a yaml-cpp mark (which is 0-based); {0, 0} when it has none.
std::pair<int, int> position_of(const YAML::Mark& mark);

/// One key of a mapping, with its value.
struct MapEntry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
};

/// The entries of `map` in order, the first occurrence of each key only: yaml-cpp 0.7 keeps
/// duplicate keys silently. `problem(key_node, first)` is called for every key that is skipped:
/// with `first` null when the key is not a scalar, else with the earlier key node it repeats.
std::vector<MapEntry> unique_entries(
    const YAML::Node& map,
    const std::function<void(const YAML::Node& key_node, const YAML::Node* first)>& problem);

/// Parses YAML text; a syntax error is reported at its position and yields nullopt.
std::optional<YAML::Node> parse_yaml(const std::string& text, const std::string& file,
                                     Diagnostics& diagnostics);

/// Typed conversions of one YAML value; each reports its own error and returns false.
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, std::string& out);
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, Secret& out);
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, bool& out);
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, int& out);
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, Duration& out);
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where,
                   std::vector<std::string>& out);
bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where,
                   std::map<std::string, std::string>& out);

/// Reads one YAML mapping against a schema: typed fields, required keys, duplicate and unknown
/// key detection, `SC_AGENT_*` overrides. Keys that were never asked for are reported by
/// reject_unknown(), so callers must ask for every key they accept.
class MapReader {
  public:
    /// `anchor` is where problems of a missing key are reported: the key that holds this map.
    MapReader(ParseContext& context, YAML::Node node, std::string path, Location anchor);

    /// Reads `key` into `out` when present (or overridden); `check` returns an error message or "".
    /// Returns true when a value was read and accepted.
    template <typename T>
    bool optional(std::string_view key, T& out,
                  const std::type_identity_t<std::function<std::string(const T&)>>& check = {}) {
        const auto value = lookup(key);
        if (!value) {
            return false;
        }
        T parsed = out;
        if (!convert_value(context_, value->node, value->where, parsed)) {
            return false;
        }
        if (check) {
            if (std::string problem = check(parsed); !problem.empty()) {
                report(value->where, std::move(problem));
                return false;
            }
        }
        out = std::move(parsed);
        return true;
    }

    /// As optional(), and a missing key is an error reported at this map's anchor.
    template <typename T>
    bool required(std::string_view key, T& out,
                  const std::type_identity_t<std::function<std::string(const T&)>>& check = {}) {
        if (!has(key)) {
            report({anchor_, child_path(key)}, "required key is missing");
            return false;
        }
        return optional(key, out, check);
    }

    /// A nested mapping; absent means an empty one (every default applies).
    MapReader map(std::string_view key);
    /// Calls `each` for every element of a sequence of mappings at `key`.
    void each_map(std::string_view key, const std::function<void(MapReader&, std::size_t)>& each);
    /// Marks keys as accepted without reading them (foreign sections that are ignored on purpose).
    void ignore(std::initializer_list<std::string_view> keys);

    bool has(std::string_view key) const;
    /// Reports every key nobody asked for, with a suggestion when one is close.
    void reject_unknown();

    void report(const Where& where, std::string message);
    Where where_of(std::string_view key) const;
    Where where() const { return {anchor_, path_}; }
    const std::string& path() const { return path_; }
    ParseContext& context() { return context_; }

  private:
    struct Value {
        YAML::Node node;
        Where where;
    };
    std::optional<Value> lookup(std::string_view key);
    std::optional<Value> env_override(std::string_view key) const;
    std::string child_path(std::string_view key) const;

    ParseContext& context_;
    YAML::Node node_;
    std::string path_;
    Location anchor_;
    std::vector<MapEntry> keys_;  ///< first occurrence of each key
    std::map<std::string, YAML::Mark, std::less<>> key_marks_;
    std::set<std::string, std::less<>> asked_;
    bool valid_map_ = false;
};

}  // namespace scagent::config
