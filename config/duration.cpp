#include "config/duration.hpp"

#include <cctype>
#include <cstdint>
#include <span>

namespace scagent::config {
namespace {

constexpr std::int64_t kNanosecond = 1;
constexpr std::int64_t kMillisecond = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;

struct Unit {
    std::string_view name;
    std::int64_t nanos;
    bool fraction = true;  ///< "1.5<unit>" is allowed
};

/// One duration syntax. Units are listed largest first.
struct Grammar {
    std::span<const Unit> units;
    std::string_view examples;
    bool ignore_case = false;     ///< ISO-8601: "10s" is "10S"
    bool signed_parts = false;    ///< ISO-8601: each part may carry + or -
    bool in_order_once = false;   ///< ISO-8601: H, M, S at most once each, in that order
    bool comma_decimal = false;   ///< ISO-8601 allows "0,5S"
    bool exact_fraction = false;  ///< more than 9 fraction digits is an error, not truncated
    std::int64_t resolution = kNanosecond;
};

constexpr Unit kConfigUnits[] = {
    {"h", kHour}, {"m", kMinute}, {"s", kSecond}, {"ms", kMillisecond}};
constexpr Unit kGoUnits[] = {{"h", kHour},         {"m", kMinute},     {"s", kSecond},
                             {"ms", kMillisecond}, {"us", 1000},       {"\xC2\xB5s", 1000},
                             {"\xCE\xBCs", 1000},  {"ns", kNanosecond}};
constexpr Unit kIsoUnits[] = {{"H", kHour, false}, {"M", kMinute, false}, {"S", kSecond, true}};

constexpr Grammar kConfigGrammar{
    .units = kConfigUnits, .examples = "500ms, 30s, 5m", .resolution = kMillisecond};
constexpr Grammar kGoGrammar{.units = kGoUnits, .examples = "500ms, 30s, 1m30s"};
constexpr Grammar kIsoGrammar{.units = kIsoUnits,
                              .examples = "500 (milliseconds), 10S, 1M, 0.5S",
                              .ignore_case = true,
                              .signed_parts = true,
                              .in_order_once = true,
                              .comma_decimal = true,
                              .exact_fraction = true};

enum class Problem {
    kNone,
    kEmpty,
    kNegative,
    kNoNumber,
    kSpace,
    kNoUnit,
    kUnknownUnit,
    kOutOfOrder,
    kFraction,
    kTooFine,
    kTooLarge,
};

struct Scan {
    std::int64_t nanos = 0;
    Problem problem = Problem::kNone;
    std::string_view unit;  ///< the offending unit of kUnknownUnit
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_unit_char(char c) {
    return !is_digit(c) && !is_space(c) && c != '.' && c != ',' && c != '+' && c != '-';
}

bool same_unit(std::string_view a, std::string_view b, bool ignore_case) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const bool same = ignore_case ? std::toupper(static_cast<unsigned char>(a[i])) ==
                                            std::toupper(static_cast<unsigned char>(b[i]))
                                      : a[i] == b[i];
        if (!same) {
            return false;
        }
    }
    return true;
}

// Reads a sequence of `[sign]digits[.digits]unit` parts and sums them in int64 nanoseconds; every
// multiplication and addition is checked, so a huge value is kTooLarge, never a wrapped one.
Scan scan(std::string_view text, const Grammar& grammar) {
    Scan result;
    const auto fail = [&](Problem problem) {
        result.problem = problem;
        return result;
    };
    if (text.empty()) {
        return fail(Problem::kEmpty);
    }
    if (!grammar.signed_parts && text.front() == '-') {
        return fail(Problem::kNegative);
    }
    std::size_t pos = 0;
    std::size_t next_unit = 0;  // in_order_once: the first unit still allowed
    while (pos < text.size()) {
        bool negative = false;
        if (grammar.signed_parts && (text[pos] == '+' || text[pos] == '-')) {
            negative = text[pos] == '-';
            ++pos;
        }
        bool digits = false;
        bool overflow = false;
        std::int64_t whole = 0;
        for (; pos < text.size() && is_digit(text[pos]); ++pos) {
            digits = true;
            overflow = overflow || __builtin_mul_overflow(whole, 10, &whole) ||
                       __builtin_add_overflow(whole, text[pos] - '0', &whole);
        }
        bool has_fraction = false;
        std::int64_t fraction = 0;
        std::int64_t scale = 1;  // fraction / scale is the fractional part
        if (pos < text.size() &&
            (text[pos] == '.' || (grammar.comma_decimal && text[pos] == ','))) {
            has_fraction = true;
            for (++pos; pos < text.size() && is_digit(text[pos]); ++pos) {
                digits = true;
                if (scale < kSecond) {
                    fraction = fraction * 10 + (text[pos] - '0');
                    scale *= 10;
                } else if (grammar.exact_fraction) {
                    return fail(Problem::kTooFine);
                }
            }
        }
        if (!digits) {
            return fail(Problem::kNoNumber);
        }
        if (pos < text.size() && is_space(text[pos])) {
            return fail(Problem::kSpace);
        }
        const std::size_t unit_start = pos;
        while (pos < text.size() && is_unit_char(text[pos])) {
            ++pos;
        }
        const std::string_view unit_text = text.substr(unit_start, pos - unit_start);
        if (unit_text.empty()) {
            return fail(Problem::kNoUnit);
        }
        std::size_t index = 0;
        while (index < grammar.units.size() &&
               !same_unit(grammar.units[index].name, unit_text, grammar.ignore_case)) {
            ++index;
        }
        if (index == grammar.units.size()) {
            result.unit = unit_text;
            return fail(Problem::kUnknownUnit);
        }
        const Unit& unit = grammar.units[index];
        if (has_fraction && !unit.fraction) {
            return fail(Problem::kFraction);
        }
        if (grammar.in_order_once) {
            if (index < next_unit) {
                return fail(Problem::kOutOfOrder);
            }
            next_unit = index + 1;
        }
        // fraction < scale <= 1e9, so neither product below can overflow.
        const std::int64_t per = unit.nanos / scale;
        const std::int64_t rest = unit.nanos % scale;
        std::int64_t part = fraction * per + fraction * rest / scale;
        if (grammar.resolution > 1 &&
            ((fraction * rest) % scale != 0 || part % grammar.resolution != 0)) {
            return fail(Problem::kTooFine);
        }
        std::int64_t whole_nanos = 0;
        if (overflow || __builtin_mul_overflow(whole, unit.nanos, &whole_nanos) ||
            __builtin_add_overflow(whole_nanos, part, &part) ||
            __builtin_add_overflow(result.nanos, negative ? -part : part, &result.nanos)) {
            return fail(Problem::kTooLarge);
        }
    }
    return result;
}

// "ms, s, m or h": the ASCII unit names, smallest first.
std::string unit_list(const Grammar& grammar) {
    std::string list;
    std::string_view last;
    for (auto it = grammar.units.rbegin(); it != grammar.units.rend(); ++it) {
        if (static_cast<unsigned char>(it->name.front()) >= 0x80) {
            continue;
        }
        if (!last.empty()) {
            list += (list.empty() ? "" : ", ") + std::string(last);
        }
        last = it->name;
    }
    return list.empty() ? std::string(last) : list + " or " + std::string(last);
}

std::string describe(const Scan& scan, std::string_view text, const Grammar& grammar) {
    const std::string quoted = "'" + std::string(text) + "'";
    switch (scan.problem) {
        case Problem::kEmpty:
            return "empty duration; use a number with a unit such as " +
                   std::string(grammar.examples);
        case Problem::kNegative:
            return "negative duration " + quoted + " is not allowed";
        case Problem::kNoNumber:
            return "invalid duration " + quoted + "; use a number with a unit such as " +
                   std::string(grammar.examples);
        case Problem::kSpace:
            return "duration " + quoted + " must not contain spaces; write e.g. 30s or 1m30s";
        case Problem::kNoUnit:
            return "duration " + quoted + " has no unit; use " + unit_list(grammar) + " (e.g. 30s)";
        case Problem::kUnknownUnit:
            return "unknown unit '" + std::string(scan.unit) + "' in duration " + quoted +
                   "; use " + unit_list(grammar);
        case Problem::kOutOfOrder:
            return "duration " + quoted + " must give H, M and S at most once each, in that order";
        case Problem::kFraction:
            return "duration " + quoted + " may have a fraction only in its S part";
        case Problem::kTooFine:
            return "duration " + quoted + " is finer than one " +
                   (grammar.resolution == kMillisecond ? "millisecond" : "nanosecond");
        case Problem::kTooLarge:
            return "duration " + quoted + " is too large";
        case Problem::kNone:
            break;
    }
    return {};
}

std::optional<std::int64_t> scan_nanos(std::string_view text, const Grammar& grammar,
                                       std::string* error) {
    const Scan result = scan(text, grammar);
    if (result.problem != Problem::kNone) {
        if (error != nullptr) {
            *error = describe(result, text, grammar);
        }
        return std::nullopt;
    }
    return result.nanos;
}

constexpr Unit kFormatUnits[] = {
    {"h", kHour}, {"m", kMinute}, {"s", kSecond}, {"ms", kMillisecond}, {"ns", kNanosecond}};

// `count` ticks of `tick` nanoseconds each, in the largest unit up to `largest` that is exact.
std::string format_ticks(std::int64_t count, std::int64_t tick, std::int64_t largest) {
    if (count != 0) {
        for (const Unit& unit : kFormatUnits) {
            if (unit.nanos > largest || unit.nanos < tick) {
                continue;
            }
            const std::int64_t per = unit.nanos / tick;
            if (count % per == 0) {
                return std::to_string(count / per) + std::string(unit.name);
            }
        }
    }
    return std::to_string(count) + "ms";
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text, std::string* error) {
    if (text == "0") {
        return Duration{0};
    }
    const auto nanos = scan_nanos(text, kConfigGrammar, error);
    if (!nanos) {
        return std::nullopt;
    }
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(*nanos));
}

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text,
                                                          std::string* error) {
    if (text == "0") {
        return std::chrono::nanoseconds(0);
    }
    const auto nanos = scan_nanos(text, kGoGrammar, error);
    if (!nanos) {
        return std::nullopt;
    }
    return std::chrono::nanoseconds(*nanos);
}

std::optional<std::chrono::nanoseconds> parse_iso_duration(std::string_view text,
                                                           std::string* error) {
    const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) {
        if (digits.size() > 10) {
            if (error != nullptr) {
                *error = "milliseconds '" + std::string(text) + "' have more than 10 digits";
            }
            return std::nullopt;
        }
        std::int64_t millis = 0;
        for (const char c : digits) {
            millis = millis * 10 + (c - '0');  // at most 10 digits: cannot overflow
        }
        return std::chrono::milliseconds(text.starts_with('-') ? -millis : millis);
    }
    if (text.size() >= 2 && std::toupper(static_cast<unsigned char>(text[0])) == 'P' &&
        std::toupper(static_cast<unsigned char>(text[1])) == 'T') {
        text.remove_prefix(2);
    }
    const auto nanos = scan_nanos(text, kIsoGrammar, error);
    if (!nanos) {
        return std::nullopt;
    }
    return std::chrono::nanoseconds(*nanos);
}

std::string format_duration(Duration duration) {
    return format_ticks(duration.count(), kMillisecond, kHour);
}

std::string format_duration(std::chrono::nanoseconds duration,
                            std::chrono::nanoseconds largest_unit) {
    return format_ticks(duration.count(), kNanosecond, largest_unit.count());
}

}  // namespace scagent::config
