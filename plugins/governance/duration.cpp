#include "plugins/governance/duration.hpp"

#include <cctype>
#include <cstdint>

namespace scagent::plugins::governance {

namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

// Reads "[+-]digits" from the front of `s`; nullopt if there are no digits or it overflows.
std::optional<std::int64_t> take_signed(std::string_view& s, bool& negative) {
    negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    std::int64_t value = 0;
    std::size_t n = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) {
        if (value > (INT64_MAX - 9) / 10) {
            return std::nullopt;
        }
        value = value * 10 + (s[n] - '0');
        ++n;
    }
    if (n == 0) {
        return std::nullopt;
    }
    s.remove_prefix(n);
    return value;
}

constexpr std::int64_t kMaxSeconds = std::int64_t{1} << 32;  // keeps nanoseconds in range

// Parses the part after "PT": [n H][n M][n[.f] S], each at most once, in that order.
std::optional<Duration> parse_time_part(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    std::int64_t total_ns = 0;
    int stage = 0;  // 0: expect H/M/S, 1: after H, 2: after M, 3: after S
    while (!s.empty()) {
        bool negative = false;
        auto whole = take_signed(s, negative);
        if (!whole || *whole > kMaxSeconds || s.empty()) {
            return std::nullopt;
        }
        std::int64_t frac_ns = 0;
        if (s.front() == '.' || s.front() == ',') {
            s.remove_prefix(1);
            std::size_t n = 0;
            std::int64_t scale = 100'000'000;
            while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) {
                if (n == 9) {
                    return std::nullopt;
                }
                frac_ns += (s[n] - '0') * scale;
                scale /= 10;
                ++n;
            }
            s.remove_prefix(n);
            if (s.empty() || std::toupper(static_cast<unsigned char>(s.front())) != 'S') {
                return std::nullopt;
            }
        }
        char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s.front())));
        s.remove_prefix(1);
        std::int64_t unit_ns = 0;
        int next_stage = 0;
        if (unit == 'H') {
            unit_ns = 3'600'000'000'000;
            next_stage = 1;
        } else if (unit == 'M') {
            unit_ns = 60'000'000'000;
            next_stage = 2;
        } else if (unit == 'S') {
            unit_ns = 1'000'000'000;
            next_stage = 3;
        } else {
            return std::nullopt;
        }
        if (next_stage <= stage) {
            return std::nullopt;
        }
        stage = next_stage;
        std::int64_t part = *whole * unit_ns + frac_ns;
        total_ns += negative ? -part : part;
    }
    return Duration(total_ns);
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '-') {
        digits.remove_prefix(1);
    }
    if (all_digits(digits)) {
        if (digits.size() > 10) {
            return std::nullopt;
        }
        std::int64_t ms = std::stoll(std::string(digits));
        return std::chrono::milliseconds(text.front() == '-' ? -ms : ms);
    }
    if (text.size() >= 2 && std::toupper(static_cast<unsigned char>(text[0])) == 'P' &&
        std::toupper(static_cast<unsigned char>(text[1])) == 'T') {
        text.remove_prefix(2);
    }
    return parse_time_part(text);
}

std::string format_duration(Duration d) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    if (d % std::chrono::seconds(1) == Duration::zero() && d != Duration::zero()) {
        return std::to_string(duration_cast<std::chrono::seconds>(d).count()) + "s";
    }
    if (d % milliseconds(1) == Duration::zero()) {
        return std::to_string(duration_cast<milliseconds>(d).count()) + "ms";
    }
    return std::to_string(d.count()) + "ns";
}

}  // namespace scagent::plugins::governance
