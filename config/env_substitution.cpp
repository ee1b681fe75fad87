#include "config/env_substitution.hpp"

#include <cstdlib>

namespace scagent::config {

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* value = std::getenv(name.c_str())) {
            return std::string(value);
        }
        return std::nullopt;
    };
}

std::optional<std::string> substitute_env(std::string_view text, const EnvLookup& env,
                                          std::string* error) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t dollar = text.find('$', pos);
        if (dollar == std::string_view::npos) {
            out.append(text.substr(pos));
            break;
        }
        out.append(text.substr(pos, dollar - pos));
        if (text.substr(dollar, 3) == "$${") {
            out.append("${");
            pos = dollar + 3;
            continue;
        }
        if (text.substr(dollar, 2) != "${") {
            out.push_back('$');
            pos = dollar + 1;
            continue;
        }
        const std::size_t close = text.find('}', dollar + 2);
        if (close == std::string_view::npos) {
            *error = "unterminated '${' in \"" + std::string(text) + "\"";
            return std::nullopt;
        }
        std::string_view inner = text.substr(dollar + 2, close - dollar - 2);
        std::optional<std::string_view> fallback;
        if (const std::size_t sep = inner.find(":-"); sep != std::string_view::npos) {
            fallback = inner.substr(sep + 2);
            inner = inner.substr(0, sep);
        }
        if (inner.empty()) {
            *error = "empty variable name in '${}'";
            return std::nullopt;
        }
        const auto value = env(std::string(inner));
        if (value && !value->empty()) {
            out.append(*value);
        } else if (fallback) {
            out.append(*fallback);
        } else if (value) {
            out.append(*value);
        } else {
            *error = "environment variable " + std::string(inner) + " is not set (write ${" +
                     std::string(inner) + ":-default} for a fallback)";
            return std::nullopt;
        }
        pos = close + 1;
    }
    return out;
}

}  // namespace scagent::config
