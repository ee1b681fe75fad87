#pragma once

#include <functional>
#include <string>

#include "config/duration.hpp"

namespace scagent::config {

// Checks for MapReader::optional: an empty string when the value is in range, else the message
// (it names the range and the value found, so the user does not have to look it up).

inline std::function<std::string(const int&)> int_between(int min, int max) {
    return [min, max](const int& value) -> std::string {
        if (value < min || value > max) {
            return "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                   ", found " + std::to_string(value);
        }
        return {};
    };
}

inline std::function<std::string(const Duration&)> duration_between(Duration min, Duration max) {
    return [min, max](const Duration& value) -> std::string {
        if (value < min || value > max) {
            return "must be between " + format_duration(min) + " and " + format_duration(max) +
                   ", found " + format_duration(value);
        }
        return {};
    };
}

}  // namespace scagent::config
