#include "plugins/discovery/version_rule.hpp"

#include <charconv>

namespace scagent::plugins::discovery {
namespace {

constexpr std::uint32_t kMaxSegment = 32767;
constexpr std::size_t kMaxSegments = 4;

constexpr std::string_view kExpected =
    "expected latest, 1.2.0 (exact), 1.2.0+ (and above), 1.0.0-2.0.0 (from inclusive, to "
    "exclusive) or 0+ (all); a version has 1 to 4 numeric segments, each 0..32767";

VersionRuleOrError reject(std::string_view text, std::string_view why) {
    VersionRuleOrError out;
    out.error = "invalid version rule \"" + std::string(text) + "\": " + std::string(why) + "; " +
                std::string(kExpected);
    return out;
}

}  // namespace

std::string Version::to_string() const {
    // Trailing zero segments beyond the third are dropped: "1.2.0" stays "1.2.0", 1.2.0.0 too.
    std::size_t shown = 3;
    if (segments[3] != 0) {
        shown = 4;
    }
    std::string out;
    for (std::size_t i = 0; i < shown; ++i) {
        if (i != 0) {
            out += '.';
        }
        out += std::to_string(segments[i]);
    }
    return out;
}

std::optional<Version> parse_version(std::string_view text) noexcept {
    Version version;
    std::size_t index = 0;
    std::size_t pos = 0;
    if (text.empty()) {
        return std::nullopt;
    }
    while (true) {
        if (index == kMaxSegments) {
            return std::nullopt;
        }
        std::size_t end = text.find('.', pos);
        std::string_view part = text.substr(pos, end == std::string_view::npos ? end : end - pos);
        if (part.empty() || part.size() > 5) {
            return std::nullopt;
        }
        std::uint32_t value = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (ec != std::errc{} || ptr != part.data() + part.size() || value > kMaxSegment) {
            return std::nullopt;
        }
        version.segments[index++] = static_cast<std::uint16_t>(value);
        if (end == std::string_view::npos) {
            return version;
        }
        pos = end + 1;
    }
}

bool VersionRule::accepts(std::string_view version,
                          const std::optional<Version>& latest) const noexcept {
    if (kind_ == Kind::kAll) {
        return true;
    }
    auto parsed = parse_version(version);
    if (!parsed) {
        return false;
    }
    switch (kind_) {
        case Kind::kAll:
            return true;
        case Kind::kLatest:
            return latest && *parsed == *latest;
        case Kind::kExact:
            return *parsed == from_;
        case Kind::kAtLeast:
            return *parsed >= from_;
        case Kind::kRange:
            return *parsed >= from_ && *parsed < to_;
    }
    return false;
}

std::string VersionRule::to_string() const {
    switch (kind_) {
        case Kind::kAll:
            return "0+";
        case Kind::kLatest:
            return "latest";
        case Kind::kExact:
            return from_.to_string();
        case Kind::kAtLeast:
            return from_.to_string() + "+";
        case Kind::kRange:
            return from_.to_string() + "-" + to_.to_string();
    }
    return {};
}

VersionRuleOrError parse_version_rule(std::string_view text) {
    VersionRuleOrError out;
    if (text.empty()) {
        return out;
    }
    if (text == "latest") {
        out.rule.kind_ = VersionRule::Kind::kLatest;
        return out;
    }
    if (text.back() == '+') {
        auto from = parse_version(text.substr(0, text.size() - 1));
        if (!from) {
            return reject(text, "the part before '+' is not a version");
        }
        // "0+" and "0.0.0+" are how clients say "all"; keep unparseable versions then too.
        out.rule.kind_ = *from == Version{} ? VersionRule::Kind::kAll : VersionRule::Kind::kAtLeast;
        out.rule.from_ = *from;
        return out;
    }
    if (auto dash = text.find('-'); dash != std::string_view::npos) {
        auto from = parse_version(text.substr(0, dash));
        auto to = parse_version(text.substr(dash + 1));
        if (!from || !to) {
            return reject(text, "both sides of '-' must be versions");
        }
        if (!(*from < *to)) {
            return reject(text, "the range is empty (the first version must be below the second)");
        }
        out.rule.kind_ = VersionRule::Kind::kRange;
        out.rule.from_ = *from;
        out.rule.to_ = *to;
        return out;
    }
    auto exact = parse_version(text);
    if (!exact) {
        return reject(text, "not a version");
    }
    out.rule.kind_ = VersionRule::Kind::kExact;
    out.rule.from_ = *exact;
    return out;
}

std::optional<Version> latest_of(std::span<const Instance* const> instances) noexcept {
    std::optional<Version> best;
    for (const Instance* instance : instances) {
        auto parsed = parse_version(instance->version);
        if (parsed && (!best || *best < *parsed)) {
            best = parsed;
        }
    }
    return best;
}

}  // namespace scagent::plugins::discovery
