#include "plugins/governance/yaml_fields.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <tuple>

#include "config/yaml_reader.hpp"
#include "plugins/governance/duration.hpp"

namespace scagent::plugins::governance {

std::string join_path(const std::string& prefix, std::string_view key) {
    if (prefix.empty()) {
        return std::string(key);
    }
    return prefix + "." + std::string(key);
}

void add_error(ItemErrors& errors, const YAML::Node& node, std::string path, std::string message) {
    ItemError e;
    e.path = std::move(path);
    e.message = std::move(message);
    if (node.IsDefined()) {
        std::tie(e.line, e.column) = config::position_of(node.Mark());
    }
    errors.push_back(std::move(e));
}

bool check_keys(const YAML::Node& map, const std::string& path, ItemErrors& errors) {
    bool clean = true;
    config::unique_entries(map, [&](const YAML::Node& key_node, const YAML::Node* first) {
        if (first == nullptr) {
            add_error(errors, key_node, path, "keys must be scalars");
        } else {
            add_error(errors, key_node, join_path(path, key_node.Scalar()), "duplicate key");
        }
        clean = false;
    });
    return clean;
}

bool scalar_text(const YAML::Node& node, std::string& out) {
    if (!node.IsScalar()) {
        return false;
    }
    out = node.Scalar();
    return true;
}

bool to_int(std::string_view text, long long& out) {
    return config::parse_integer(text, out) == std::errc();
}

bool to_double(std::string_view text, double& out) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty() &&
           std::isfinite(out);
}

namespace {

bool valid_status_entry(const std::string& s) {
    if (s.size() != 3 || s[0] < '1' || s[0] > '5') {
        return false;
    }
    const bool klass = (s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X');
    return klass || (std::isdigit(static_cast<unsigned char>(s[1])) &&
                     std::isdigit(static_cast<unsigned char>(s[2])));
}

}  // namespace

bool check_status_list(Fields& f, std::string_view key, const std::vector<std::string>& list) {
    for (const auto& entry : list) {
        if (!valid_status_entry(entry)) {
            f.error(key, "entries must be HTTP status codes like 503 or classes like 5xx, got '" +
                             entry + "'");
            return false;
        }
    }
    return true;
}

PolicyMeta read_meta(Fields& fields, std::string name) {
    PolicyMeta meta;
    meta.name = std::move(name);
    fields.read("order", meta.order);
    std::string services;
    if (fields.read("services", services)) {
        meta.services = ServiceFilter::parse(services);
    }
    return meta;
}

Fields::Fields(const YAML::Node& map, std::string path, ItemErrors& errors, bool check)
    : map_(map), path_(std::move(path)), errors_(errors) {
    if (!map_.IsMap()) {
        add_error(errors_, map_, path_.empty() ? "" : path_, "must be a mapping");
        return;
    }
    is_map_ = true;
    if (check) {
        check_keys(map_, path_, errors_);
    }
}

YAML::Node Fields::get(std::string_view key) const {
    if (!is_map_) {
        return YAML::Node(YAML::NodeType::Undefined);
    }
    for (const auto& kv : map_) {
        if (kv.first.IsScalar() && kv.first.Scalar() == key) {
            if (kv.second.IsNull()) {
                return YAML::Node(YAML::NodeType::Undefined);
            }
            return kv.second;
        }
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

std::string Fields::path_of(std::string_view key) const {
    return join_path(path_, key);
}

void Fields::error(std::string_view key, std::string message) {
    auto node = get(key);
    add_error(errors_, node.IsDefined() ? node : map_, path_of(key), std::move(message));
}

namespace {

// Reads `key` as a scalar and converts it; a value that is not a scalar or does not convert is
// reported as "<expected>, got '<text>'".
template <class T, class Convert>
bool read_scalar(Fields& fields, std::string_view key, T& out, std::string_view expected,
                 Convert convert) {
    auto node = fields.get(key);
    if (!node.IsDefined()) {
        return false;
    }
    std::string text;
    std::optional<T> value;
    if (scalar_text(node, text)) {
        value = convert(text);
    }
    if (!value) {
        fields.error(
            key, std::string(expected) + ", got '" + (node.IsScalar() ? text : "non-scalar") + "'");
        return false;
    }
    out = *value;
    return true;
}

}  // namespace

bool Fields::read(std::string_view key, int& out) {
    return read_scalar(*this, key, out, "must be an integer", [](const std::string& text) {
        int value = 0;
        return config::parse_integer(text, value) == std::errc() ? std::optional(value)
                                                                 : std::nullopt;
    });
}

bool Fields::read(std::string_view key, double& out) {
    return read_scalar(*this, key, out, "must be a number", [](const std::string& text) {
        double value = 0;
        return to_double(text, value) ? std::optional(value) : std::nullopt;
    });
}

bool Fields::read(std::string_view key, bool& out) {
    return read_scalar(*this, key, out, "must be true or false", [](std::string text) {
        for (auto& c : text) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return text == "true" || text == "false" ? std::optional(text == "true") : std::nullopt;
    });
}

bool Fields::read(std::string_view key, std::string& out) {
    auto node = get(key);
    if (!node.IsDefined()) {
        return false;
    }
    if (!scalar_text(node, out)) {
        error(key, "must be a string");
        return false;
    }
    return true;
}

bool Fields::read(std::string_view key, std::vector<std::string>& out) {
    auto node = get(key);
    if (!node.IsDefined()) {
        return false;
    }
    if (!node.IsSequence()) {
        error(key, "must be a list");
        return false;
    }
    std::vector<std::string> values;
    bool ok = true;
    std::size_t i = 0;
    for (const auto& item : node) {
        std::string text;
        if (!scalar_text(item, text)) {
            add_error(errors_, item, path_of(key) + "[" + std::to_string(i) + "]",
                      "must be a string");
            ok = false;
        }
        values.push_back(std::move(text));
        ++i;
    }
    if (ok) {
        out = std::move(values);
    }
    return ok;
}

bool Fields::read_duration(std::string_view key, Duration& out) {
    Duration value{};
    if (!read_scalar(*this, key, value,
                     "must be a duration: milliseconds (e.g. 500) or ISO-8601 time (e.g. 10S, "
                     "1M, 0.5S)",
                     [](const std::string& text) { return parse_duration(text); })) {
        return false;
    }
    // Parsing is overflow-checked up to ~292 years; a policy's arithmetic (now + wait, backoff
    // growth) is safe only far below that, and nothing sane waits longer than a week.
    if (value > kMaxDuration || value < -kMaxDuration) {
        error(key, "must be within ±168H (7 days), got '" + get(key).Scalar() + "'");
        return false;
    }
    out = value;
    return true;
}

}  // namespace scagent::plugins::governance
