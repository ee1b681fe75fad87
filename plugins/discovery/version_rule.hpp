#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "plugins/api/instance.hpp"

namespace scagent::plugins::discovery {

/// A service version: 1 to 4 dot-separated decimal segments, each 0..32767 (service-center parses
/// them as int16). Missing segments are zero, so "1.2" == "1.2.0" == "1.2.0.0", as in SC 1.x.
struct Version {
    std::array<std::uint16_t, 4> segments{};

    auto operator<=>(const Version&) const = default;
    std::string to_string() const;
};

/// nullopt unless `text` matches ^\d+(\.\d+){0,3}$ with every segment <= 32767.
std::optional<Version> parse_version(std::string_view text) noexcept;

struct VersionRuleOrError;

/// The `version` query parameter, filtered by the agent because service center >= 2.1 ignores
/// it. Kinds: `latest`; exact `1.2.0`; `1.2.0+` (that version and above); `1.0.0-2.0.0` (from
/// inclusive, to exclusive); `0+` / `0.0.0+` (every version, what Java and Go clients send).
/// An immutable value; cheap to copy.
class VersionRule {
  public:
    enum class Kind { kAll, kLatest, kExact, kAtLeast, kRange };

    /// The default rule keeps every instance, including those whose version does not parse.
    VersionRule() = default;

    Kind kind() const noexcept { return kind_; }
    const Version& from() const noexcept { return from_; }
    const Version& to() const noexcept { return to_; }

    /// Whether an instance of `version` passes; for kLatest, `latest` is the highest version
    /// among the candidates (see latest_of). Unparseable versions pass only kAll.
    bool accepts(std::string_view version, const std::optional<Version>& latest) const noexcept;

    /// The canonical text of the rule, e.g. "1.2.0+".
    std::string to_string() const;

    friend VersionRuleOrError parse_version_rule(std::string_view text);

  private:
    Kind kind_ = Kind::kAll;
    Version from_;
    Version to_;
};

struct VersionRuleOrError {
    VersionRule rule;
    std::string error;  ///< set iff the text was rejected; says what form was expected
};

/// Parses a rule; surrounding blanks are not allowed. The empty string is "every version".
VersionRuleOrError parse_version_rule(std::string_view text);

/// The highest parseable version among `instances`, or nullopt when none parses.
std::optional<Version> latest_of(std::span<const Instance* const> instances) noexcept;

}  // namespace scagent::plugins::discovery
