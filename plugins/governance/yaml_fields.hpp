#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

/// Reads typed fields out of one YAML mapping and records every problem as an ItemError with
/// the value's position, instead of throwing. A missing or null key leaves the caller's default
/// untouched; unknown keys are ignored (java-chassis does the same), duplicate keys are errors
/// because yaml-cpp would otherwise keep one of them silently.
class Fields {
  public:
    /// `path` prefixes every error path, e.g. "matches[0]"; empty at the item's root.
    Fields(const YAML::Node& map, std::string path, ItemErrors& errors, bool check_keys = true);

    bool is_map() const { return is_map_; }
    /// The value node, or an undefined node when absent or null.
    YAML::Node get(std::string_view key) const;
    bool has(std::string_view key) const { return get(key).IsDefined(); }

    /// Each returns true when the key was present and well-typed and `out` was assigned.
    bool read(std::string_view key, int& out);
    bool read(std::string_view key, double& out);
    bool read(std::string_view key, bool& out);
    bool read(std::string_view key, std::string& out);
    bool read(std::string_view key, std::vector<std::string>& out);
    /// A governance duration within ±kMaxDuration.
    bool read_duration(std::string_view key, Duration& out);

    /// The longest duration (either sign) a policy accepts.
    static constexpr Duration kMaxDuration = std::chrono::hours(7 * 24);

    /// Records `message` at `key`'s value, or at this mapping when `key` is absent.
    void error(std::string_view key, std::string message);
    std::string path_of(std::string_view key) const;

  private:
    YAML::Node map_;
    std::string path_;
    ItemErrors& errors_;
    bool is_map_ = false;
};

/// Records an error at `node`'s position (1-based) under `path`.
void add_error(ItemErrors& errors, const YAML::Node& node, std::string path, std::string message);

/// Errors for duplicate keys and non-scalar keys of a mapping; true when it is clean.
bool check_keys(const YAML::Node& map, const std::string& path, ItemErrors& errors);

/// The text of a scalar node, or nullopt-like false when it is not a scalar.
bool scalar_text(const YAML::Node& node, std::string& out);

/// Strict conversions shared by Fields and the nested parsers.
bool to_int(std::string_view text, long long& out);
bool to_double(std::string_view text, double& out);

std::string join_path(const std::string& prefix, std::string_view key);

/// Checks an HTTP status list ("503", "5xx"); records an error at `key` and returns false.
bool check_status_list(Fields& f, std::string_view key, const std::vector<std::string>& list);

/// Reads `order` and `services`, which every policy and matchGroup carry.
PolicyMeta read_meta(Fields& fields, std::string name);

/// The frame every policy and matchGroup parser shares: `root` must be a mapping, its meta is
/// read, `read_rest(fields, config)` reads the kind's own keys, and any error this item records
/// on the way yields nullptr instead of a config.
template <class Config, class ReadRest>
std::shared_ptr<const Config> parse_policy(const YAML::Node& root, std::string name,
                                           ItemErrors& errors, ReadRest&& read_rest) {
    const std::size_t before = errors.size();
    Fields fields(root, "", errors);
    if (!fields.is_map()) {
        return nullptr;
    }
    auto config = std::make_shared<Config>();
    config->meta = read_meta(fields, std::move(name));
    read_rest(fields, config.get());
    if (errors.size() != before) {
        return nullptr;
    }
    return config;
}

}  // namespace scagent::plugins::governance
