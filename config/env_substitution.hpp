#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace scagent::config {

/// Looks up an environment variable; injected so tests need not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
EnvLookup process_env();

/// Replaces `${NAME}` and `${NAME:-fallback}` in text; `$${` stands for a literal `${`.
/// An unset variable without a fallback, or an unterminated `${`, is an error in *error.
std::optional<std::string> substitute_env(std::string_view text, const EnvLookup& env,
                                          std::string* error);

}  // namespace scagent::config
