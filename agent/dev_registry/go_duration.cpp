#include "agent/dev_registry/go_duration.hpp"

#include <cmath>
#include <string>

namespace scagent::dev_registry {

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
    if (text == "0") {
        return std::chrono::nanoseconds(0);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    double total_ns = 0;
    while (!text.empty()) {
        std::size_t i = 0;
        while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
            ++i;
        }
        if (i == 0) {
            return std::nullopt;
        }
        const std::string number(text.substr(0, i));
        if (number == "." || number.find('.') != number.rfind('.')) {
            return std::nullopt;
        }
        const double value = std::stod(number);
        text.remove_prefix(i);
        std::size_t u = 0;
        while (u < text.size() && !((text[u] >= '0' && text[u] <= '9') || text[u] == '.')) {
            ++u;
        }
        const std::string_view unit = text.substr(0, u);
        text.remove_prefix(u);
        double scale = 0;
        if (unit == "ns") {
            scale = 1;
        } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
            scale = 1e3;
        } else if (unit == "ms") {
            scale = 1e6;
        } else if (unit == "s") {
            scale = 1e9;
        } else if (unit == "m") {
            scale = 60e9;
        } else if (unit == "h") {
            scale = 3600e9;
        } else {
            return std::nullopt;
        }
        total_ns += value * scale;
        if (total_ns > 9.2e18) {
            return std::nullopt;
        }
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total_ns)));
}

}  // namespace scagent::dev_registry
