#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace scagent::config {
namespace {

// Values that came from SC_AGENT_* variables carry this tag: no ${} substitution, and a comma
// separates list items.
constexpr const char* kEnvTag = "!sc-agent-env";

std::string type_name(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Null:
            return "nothing";
        default:
            return "a scalar";
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

void report(ParseContext& ctx, const Where& where, std::string message) {
    ctx.diagnostics->error(where.location, where.path, std::move(message));
}

/// The text of a scalar (null reads as ""), with ${VAR} substituted for values from files.
bool scalar_text(ParseContext& ctx, const YAML::Node& node, const Where& where, std::string& out) {
    if (node.IsNull()) {
        out.clear();
        return true;
    }
    if (!node.IsScalar()) {
        report(ctx, where, "expected a single value, found " + type_name(node));
        return false;
    }
    if (node.Tag() == kEnvTag) {
        out = node.Scalar();
        return true;
    }
    std::string error;
    auto substituted = substitute_env(node.Scalar(), ctx.env, &error);
    if (!substituted) {
        report(ctx, where, error);
        return false;
    }
    out = std::move(*substituted);
    return true;
}

// A scalar's text converted by `convert(text, error)`, which returns nullopt and sets `error` when
// the text does not fit; the error is reported at `where`.
template <typename T, typename Convert>
bool convert_scalar(ParseContext& ctx, const YAML::Node& node, const Where& where, T& out,
                    Convert convert) {
    std::string text;
    if (!scalar_text(ctx, node, where, text)) {
        return false;
    }
    std::string error;
    std::optional<T> value = convert(std::move(text), error);
    if (!value) {
        report(ctx, where, std::move(error));
        return false;
    }
    out = std::move(*value);
    return true;
}

Where element_where(ParseContext& ctx, const YAML::Node& node, const Where& parent,
                    const std::string& suffix) {
    Where where{parent.location, parent.path + suffix};
    if (node.Mark().line >= 0 && node.Tag() != kEnvTag) {
        where.location = location_of(ctx, node.Mark());
    }
    return where;
}

}  // namespace

Location location_of(const ParseContext& context, const YAML::Mark& mark) {
    const auto [line, column] = position_of(mark);
    return {context.file, line, column};
}

std::pair<int, int> position_of(const YAML::Mark& mark) {
    if (mark.line < 0) {
        return {0, 0};
    }
    return {mark.line + 1, mark.column + 1};
}

std::vector<MapEntry> unique_entries(
    const YAML::Node& map,
    const std::function<void(const YAML::Node& key_node, const YAML::Node* first)>& problem) {
    std::vector<MapEntry> entries;
    for (const auto& pair : map) {
        if (!pair.first.IsScalar()) {
            problem(pair.first, nullptr);
            continue;
        }
        const std::string& key = pair.first.Scalar();
        const auto first = std::find_if(entries.begin(), entries.end(),
                                        [&](const MapEntry& entry) { return entry.key == key; });
        if (first != entries.end()) {
            problem(pair.first, &first->key_node);
            continue;
        }
        entries.push_back({key, pair.first, pair.second});
    }
    return entries;
}

std::optional<YAML::Node> parse_yaml(const std::string& text, const std::string& file,
                                     Diagnostics& diagnostics) {
    try {
        return load_yaml(text);
    } catch (const YAML::Exception& e) {
        diagnostics.error({file, e.mark.line + 1, e.mark.column + 1}, "", "invalid YAML: " + e.msg);
        return std::nullopt;
    }
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where,
                   std::string& out) {
    return scalar_text(ctx, node, where, out);
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, Secret& out) {
    return convert_scalar(ctx, node, where, out, [](std::string text, std::string&) {
        return std::optional(Secret(std::move(text)));
    });
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, bool& out) {
    return convert_scalar(ctx, node, where, out,
                          [](const std::string& text, std::string& error) -> std::optional<bool> {
                              if (text == "true" || text == "false") {
                                  return text == "true";
                              }
                              error = "expected true or false, found '" + text + "'";
                              return std::nullopt;
                          });
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, int& out) {
    return convert_scalar(ctx, node, where, out,
                          [](const std::string& text, std::string& error) -> std::optional<int> {
                              int value = 0;
                              const std::errc ec = parse_integer(text, value);
                              if (ec == std::errc()) {
                                  return value;
                              }
                              error = ec == std::errc::result_out_of_range
                                          ? "integer '" + text + "' is out of range"
                                          : "expected an integer, found '" + text + "'";
                              return std::nullopt;
                          });
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where, Duration& out) {
    return convert_scalar(ctx, node, where, out, [](const std::string& text, std::string& error) {
        return parse_duration(text, &error);
    });
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where,
                   std::vector<std::string>& out) {
    std::vector<std::string> items;
    if (node.Tag() == kEnvTag) {
        std::string_view rest = node.Scalar();
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            if (std::string item = trim(rest.substr(0, comma)); !item.empty()) {
                items.push_back(std::move(item));
            }
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        out = std::move(items);
        return true;
    }
    if (node.IsNull()) {
        out.clear();
        return true;
    }
    if (!node.IsSequence()) {
        report(ctx, where, "expected a list, found " + type_name(node));
        return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const Where item_where = element_where(ctx, node[i], where, "[" + std::to_string(i) + "]");
        std::string item;
        if (scalar_text(ctx, node[i], item_where, item)) {
            items.push_back(std::move(item));
        } else {
            ok = false;
        }
    }
    if (ok) {
        out = std::move(items);
    }
    return ok;
}

bool convert_value(ParseContext& ctx, const YAML::Node& node, const Where& where,
                   std::map<std::string, std::string>& out) {
    if (node.IsNull()) {
        out.clear();
        return true;
    }
    if (!node.IsMap()) {
        report(ctx, where, "expected a mapping, found " + type_name(node));
        return false;
    }
    std::map<std::string, std::string> items;
    bool ok = true;
    for (const auto& pair : node) {
        const Where key_where = element_where(ctx, pair.first, where, "");
        if (!pair.first.IsScalar()) {
            report(ctx, key_where, "keys must be plain text");
            ok = false;
            continue;
        }
        const std::string& key = pair.first.Scalar();
        const Where value_where{key_where.location, where.path + "." + key};
        if (items.contains(key)) {
            report(ctx, value_where, "duplicate key '" + key + "'");
            ok = false;
            continue;
        }
        std::string value;
        if (scalar_text(ctx, pair.second, element_where(ctx, pair.second, value_where, ""),
                        value)) {
            items.emplace(key, std::move(value));
        } else {
            ok = false;
        }
    }
    if (ok) {
        out = std::move(items);
    }
    return ok;
}

MapReader::MapReader(ParseContext& context, YAML::Node node, std::string path, Location anchor)
    : context_(context),
      node_(std::move(node)),
      path_(std::move(path)),
      anchor_(std::move(anchor)) {
    if (!node_.IsDefined() || node_.IsNull()) {
        valid_map_ = true;  // absent or empty: every key takes its default
        return;
    }
    if (!node_.IsMap()) {
        Where where{node_.Mark().line >= 0 ? location_of(context_, node_.Mark()) : anchor_, path_};
        report(where, "expected a mapping, found " + type_name(node_));
        return;
    }
    valid_map_ = true;
    keys_ = unique_entries(node_, [&](const YAML::Node& key_node, const YAML::Node* first) {
        const Location key_location = location_of(context_, key_node.Mark());
        if (first == nullptr) {
            report({key_location, path_}, "keys must be plain text");
        } else {
            report({key_location, child_path(key_node.Scalar())},
                   "duplicate key (first defined at line " +
                       std::to_string(position_of(first->Mark()).first) + ")");
        }
    });
    for (const auto& entry : keys_) {
        key_marks_.emplace(entry.key, entry.key_node.Mark());
    }
}

std::string MapReader::child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool MapReader::has(std::string_view key) const {
    return key_marks_.contains(key) || env_override(key).has_value();
}

Where MapReader::where_of(std::string_view key) const {
    if (const auto found = key_marks_.find(key); found != key_marks_.end()) {
        return {location_of(context_, found->second), child_path(key)};
    }
    return {anchor_, child_path(key)};
}

std::optional<MapReader::Value> MapReader::env_override(std::string_view key) const {
    if (!context_.env_overrides) {
        return std::nullopt;
    }
    std::string name = "SC_AGENT_";
    for (const char c : child_path(key)) {
        name.push_back(c == '.' ? '_'
                                : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    const auto value = context_.env(name);
    if (!value) {
        return std::nullopt;
    }
    YAML::Node node(*value);
    node.SetTag(kEnvTag);
    // Built in named steps: GCC 12 at -O3 reports the nested temporaries of a braced
    // `Value{node, {{...}, ...}}` as maybe-uninitialized (a false positive).
    Value result;
    result.node = node;
    result.where.location.file = "$" + name;
    result.where.path = child_path(key);
    return result;
}

std::optional<MapReader::Value> MapReader::lookup(std::string_view key) {
    asked_.emplace(key);
    if (auto overridden = env_override(key)) {
        return overridden;
    }
    if (!valid_map_) {
        return std::nullopt;
    }
    for (const auto& [name, key_node, value] : keys_) {
        if (name == key) {
            Where where = where_of(key);
            if (value.Mark().line >= 0 && !value.IsNull()) {
                where.location = location_of(context_, value.Mark());
            }
            return Value{value, std::move(where)};
        }
    }
    return std::nullopt;
}

MapReader MapReader::map(std::string_view key) {
    asked_.emplace(key);
    for (const auto& [name, key_node, value] : keys_) {
        if (name == key) {
            return MapReader(context_, value, child_path(key), where_of(key).location);
        }
    }
    return MapReader(context_, YAML::Node(), child_path(key), anchor_);
}

void MapReader::each_map(std::string_view key,
                         const std::function<void(MapReader&, std::size_t)>& each) {
    const auto value = lookup(key);
    if (!value || value->node.IsNull()) {
        return;
    }
    if (!value->node.IsSequence()) {
        report(value->where, "expected a list, found " + type_name(value->node));
        return;
    }
    for (std::size_t i = 0; i < value->node.size(); ++i) {
        const YAML::Node item = value->node[i];
        const std::string item_path = child_path(key) + "[" + std::to_string(i) + "]";
        const Location item_location =
            item.Mark().line >= 0 ? location_of(context_, item.Mark()) : value->where.location;
        if (!item.IsMap()) {
            report({item_location, item_path}, "expected a mapping, found " + type_name(item));
            continue;
        }
        MapReader reader(context_, item, item_path, item_location);
        each(reader, i);
        reader.reject_unknown();
    }
}

void MapReader::ignore(std::initializer_list<std::string_view> keys) {
    for (const auto key : keys) {
        asked_.emplace(key);
    }
}

void MapReader::reject_unknown() {
    if (!valid_map_) {
        return;
    }
    for (const auto& entry : keys_) {
        const std::string& key = entry.key;
        if (asked_.contains(key)) {
            continue;
        }
        std::string message = "unknown key";
        std::string_view best;
        std::size_t best_distance = 3;
        for (const auto& known : asked_) {
            const std::size_t distance = edit_distance(key, known);
            if (distance < best_distance) {
                best_distance = distance;
                best = known;
            }
        }
        if (!best.empty()) {
            message += " (did you mean '" + std::string(best) + "'?)";
        }
        report(where_of(key), std::move(message));
    }
}

void MapReader::report(const Where& where, std::string message) {
    context_.diagnostics->error(where.location, where.path, std::move(message));
}

}  // namespace scagent::config
