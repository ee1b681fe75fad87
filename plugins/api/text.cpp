#include "plugins/api/text.hpp"

#include <algorithm>

namespace scagent::plugins {

std::size_t utf8_sequence_length(std::string_view text) noexcept {
    if (text.empty()) {
        return 0;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const unsigned char lead = p[0];
    if (lead < 0x80) {
        return 1;
    }
    // Sequence length and the range of the first continuation byte, which rules out overlong
    // forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (text.size() < length || p[1] < low || p[1] > high) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return length;
}

bool valid_utf8(std::string_view text) noexcept {
    while (!text.empty()) {
        const std::size_t length = utf8_sequence_length(text);
        if (length == 0) {
            return false;
        }
        text.remove_prefix(length);
    }
    return true;
}

std::string escape_for_log(std::string_view text, std::size_t cap) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::min(text.size(), cap) + 16);
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto byte = static_cast<unsigned char>(rest.front());
        std::size_t length = utf8_sequence_length(rest);
        std::string_view piece = rest.substr(0, length);
        char escaped[4] = {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
        if (length == 0 || byte < 0x20 || byte == 0x7F) {
            length = 1;
            piece = std::string_view(escaped, 4);
            if (byte == '\n' || byte == '\r' || byte == '\t') {
                escaped[1] = byte == '\n' ? 'n' : byte == '\r' ? 'r' : 't';
                piece = std::string_view(escaped, 2);
            }
        }
        if (out.size() + piece.size() > cap) {
            out += "\u2026(" + std::to_string(text.size()) + " bytes)";
            return out;
        }
        out += piece;
        rest.remove_prefix(length);
    }
    return out;
}

std::string dump_json(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace scagent::plugins
