#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scagent::config {

/// Reads a size as written in agent.yaml: a whole number of bytes ("65536") or one with a
/// binary unit ("64KiB", "1MiB", "1GiB"; "KB"/"MB"/"GB" are read as the binary units too, as
/// operators mean them in buffer sizes). Returns "" and sets `out`, or a message and leaves
/// `out` alone; values above 1 GiB are refused (a buffer that large is a typo).
std::string parse_byte_size(std::string_view text, std::size_t& out);

}  // namespace scagent::config
