#pragma once

#include <charconv>
#include <string_view>
#include <system_error>

namespace scagent::config {

/// A whole decimal integer with an optional sign ("+5", "-3"); std::errc::result_out_of_range
/// when it does not fit `Int`, std::errc::invalid_argument for anything else.
template <typename Int>
std::errc parse_integer(std::string_view text, Int& out) {
    if (text.starts_with('+')) {
        text.remove_prefix(1);
    }
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc()) {
        return ec;
    }
    if (text.empty() || end != text.data() + text.size()) {
        return std::errc::invalid_argument;
    }
    out = value;
    return std::errc();
}

}  // namespace scagent::config
