#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace scagent::plugins {

/// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
/// U+10FFFF). Text from outside is checked before it is stored, so that nothing stored can make a
/// later JSON answer fail.
bool valid_utf8(std::string_view text) noexcept;

/// The length of the well-formed UTF-8 sequence at the start of `text`, 0 when it does not start
/// with one (or is empty).
std::size_t utf8_sequence_length(std::string_view text) noexcept;

/// How much of one piece of outside text a log line shows.
inline constexpr std::size_t kLogFieldCap = 4096;

/// `text` made safe for one log line: control characters as \r, \n, \t or \xNN and bytes that
/// are not UTF-8 as \xNN (so text from outside cannot forge a line or break the JSON format), cut
/// to at most `cap` bytes followed by "…(N bytes)" with N the size of `text` (so it cannot flood
/// the log). One linear pass.
std::string escape_for_log(std::string_view text, std::size_t cap = kLogFieldCap);

/// `value` serialised compactly with any invalid UTF-8 replaced by U+FFFD instead of throwing:
/// every JSON the agent writes that may hold text from outside (requests, the registry, files)
/// goes through here, so stored text can never turn an answer into a 500.
std::string dump_json(const nlohmann::json& value);

}  // namespace scagent::plugins
