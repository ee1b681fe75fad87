#pragma once

#include <string>
#include <string_view>

namespace scagent::dev_registry {

std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
/// A random UUIDv4 without dashes: 32 lowercase hex characters (SC instance ids).
std::string uuid4_hex();

}  // namespace scagent::dev_registry
