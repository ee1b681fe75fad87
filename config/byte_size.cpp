#include "config/byte_size.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace scagent::config {
namespace {

constexpr std::size_t kMaxBytes = std::size_t{1} << 30;

constexpr std::array<std::pair<std::string_view, std::size_t>, 7> kUnits{{
    {"KiB", 1024},
    {"MiB", 1024 * 1024},
    {"GiB", 1024 * 1024 * 1024},
    {"KB", 1024},
    {"MB", 1024 * 1024},
    {"GB", 1024 * 1024 * 1024},
    {"B", 1},
}};

}  // namespace

std::string parse_byte_size(std::string_view text, std::size_t& out) {
    const std::string shown(text);
    std::size_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end == text.data()) {
        return "'" + shown + "' is not a size: use a number of bytes or e.g. 64KiB, 1MiB";
    }
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::size_t scale = unit.empty() ? 1 : 0;
    for (const auto& [name, factor] : kUnits) {
        if (unit == name) {
            scale = factor;
        }
    }
    if (scale == 0) {
        return "'" + shown + "' has an unknown unit: use B, KiB, MiB or GiB";
    }
    if (number > kMaxBytes / scale) {
        return "'" + shown + "' is larger than 1GiB";
    }
    out = number * scale;
    return {};
}

}  // namespace scagent::config
