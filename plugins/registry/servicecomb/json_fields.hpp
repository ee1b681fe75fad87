#pragma once

// Internal helpers of this folder: read a field that may be missing or null, write one only when
// it is not empty (SC's omitempty). A present field of the wrong type still throws
// nlohmann::json::type_error; the decode_* functions catch it.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "config/integer.hpp"

namespace scagent::plugins::servicecomb::json_fields {

/// Structs decode only from objects: `"service": 5` is an error, not an empty service.
inline void expect_object(const nlohmann::json& json, const char* what) {
    if (!json.is_object()) {
        throw std::invalid_argument(std::string(what) + " is not a JSON object");
    }
}

template <class T>
void read(const nlohmann::json& json, const char* key, T& out) {
    auto it = json.find(key);
    if (it != json.end() && !it->is_null()) {
        it->get_to(out);
    }
}

/// Numbers arrive as JSON numbers from SC and kie, but quoted from some CSE gateways. A value
/// that does not fit `Int` (or is not a whole number) throws std::out_of_range: truncating it
/// would turn a hostile "4294967326" into a plausible 30.
template <class Int>
void read_int(const nlohmann::json& json, const char* key, Int& out) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) {
        return;
    }
    const auto fail = [key] {
        throw std::out_of_range(std::string("\"") + key + "\" is not an integer in range");
    };
    if (it->is_string()) {
        Int value{};
        if (config::parse_integer(it->get_ref<const std::string&>(), value) != std::errc()) {
            fail();
        }
        out = value;
    } else if (it->is_number_unsigned()) {
        const auto value = it->get<std::uint64_t>();
        if (!std::in_range<Int>(value)) {
            fail();
        }
        out = static_cast<Int>(value);
    } else if (it->is_number_integer()) {
        const auto value = it->get<std::int64_t>();
        if (!std::in_range<Int>(value)) {
            fail();
        }
        out = static_cast<Int>(value);
    } else if (it->is_number_float()) {
        fail();
    } else {
        it->get_to(out);  // a bool, object, ...: type_error
    }
}

template <class T>
void write(nlohmann::json& json, const char* key, const T& value) {
    if (!value.empty()) {
        json[key] = value;
    }
}

inline void write_int(nlohmann::json& json, const char* key, long long value) {
    if (value != 0) {
        json[key] = value;
    }
}

}  // namespace scagent::plugins::servicecomb::json_fields
