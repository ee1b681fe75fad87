#include "config/duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace scagent::config {
namespace {

constexpr std::int64_t kMaxMillis = std::int64_t{1} << 53;  // far beyond any sane timeout

std::optional<std::int64_t> unit_millis(std::string_view unit) {
    if (unit == "ms") {
        return 1;
    }
    if (unit == "s") {
        return 1000;
    }
    if (unit == "m") {
        return 60'000;
    }
    if (unit == "h") {
        return 3'600'000;
    }
    return std::nullopt;
}

bool is_digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<Duration> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    const std::string quoted = "'" + std::string(text) + "'";
    if (text.empty()) {
        return fail("empty duration; use a number with a unit such as 500ms, 30s, 5m");
    }
    if (text == "0") {
        return Duration{0};
    }
    if (text.front() == '-') {
        return fail("negative duration " + quoted + " is not allowed");
    }
    std::int64_t total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int64_t whole = 0;
        std::int64_t fraction = 0;
        std::int64_t fraction_scale = 1;
        const std::size_t number_start = pos;
        while (pos < text.size() && is_digit(text[pos])) {
            whole = whole * 10 + (text[pos] - '0');
            if (whole > kMaxMillis) {
                return fail("duration " + quoted + " is too large");
            }
            ++pos;
        }
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            while (pos < text.size() && is_digit(text[pos])) {
                if (fraction_scale < 1'000'000'000) {
                    fraction = fraction * 10 + (text[pos] - '0');
                    fraction_scale *= 10;
                }
                ++pos;
            }
        }
        if (pos == number_start) {
            return fail("invalid duration " + quoted + "; use a number with a unit such as " +
                        "500ms, 30s, 5m");
        }
        if (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])) != 0) {
            return fail("duration " + quoted + " must not contain spaces; write e.g. 30s or 1m30s");
        }
        const std::size_t unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos])) != 0) {
            ++pos;
        }
        const std::string_view unit = text.substr(unit_start, pos - unit_start);
        if (unit.empty()) {
            return fail("duration " + quoted + " has no unit; use ms, s, m or h (e.g. 30s)");
        }
        const auto millis = unit_millis(unit);
        if (!millis) {
            return fail("unknown unit '" + std::string(unit) + "' in duration " + quoted +
                        "; use ms, s, m or h");
        }
        const std::int64_t fraction_millis = fraction * *millis;
        if (fraction_millis % fraction_scale != 0) {
            return fail("duration " + quoted + " is finer than one millisecond");
        }
        total += whole * *millis + fraction_millis / fraction_scale;
        if (total > kMaxMillis) {
            return fail("duration " + quoted + " is too large");
        }
    }
    return Duration{total};
}

std::string format_duration(Duration duration) {
    const std::int64_t ms = duration.count();
    if (ms != 0 && ms % 3'600'000 == 0) {
        return std::to_string(ms / 3'600'000) + "h";
    }
    if (ms != 0 && ms % 60'000 == 0) {
        return std::to_string(ms / 60'000) + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
        return std::to_string(ms / 1000) + "s";
    }
    return std::to_string(ms) + "ms";
}

}  // namespace scagent::config
