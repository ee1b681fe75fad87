#pragma once

#include <string>
#include <string_view>

namespace scagent::app {

/// Masks credentials that may hide in a log line: Authorization header values (the scheme is
/// kept), bearer tokens, and the values of secret-named fields in JSON, YAML or query form
/// (password, passwd, pwd, token, secret, credential(s), and any name ending in _token, _secret,
/// _password (or -token, ...), such as access_token, client_secret, refresh_token). A quoted value
/// is masked up to its closing quote.
///
/// A hand-written scan, linear in the line's size and without recursion: log lines carry
/// registry bodies of any size, on which a backtracking std::regex overflows the stack.
std::string redact_secrets(std::string_view line);

}  // namespace scagent::app
