#include "plugins/governance/common.hpp"

#include <charconv>

namespace scagent::plugins::governance {

std::string ItemError::render(std::string_view key) const {
    std::string out(key);
    if (line > 0) {
        out += ':' + std::to_string(line) + ':' + std::to_string(column);
    }
    out += ": ";
    if (!path.empty()) {
        out += path + ": ";
    }
    out += message;
    return out;
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

ServiceFilter ServiceFilter::parse(std::string_view text) {
    ServiceFilter filter;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto entry = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (entry.empty()) {
            continue;
        }
        auto colon = entry.find(':');
        ServiceRef ref;
        ref.name = std::string(trim(entry.substr(0, colon)));
        if (colon != std::string_view::npos) {
            ref.version = std::string(trim(entry.substr(colon + 1)));
        }
        filter.entries.push_back(std::move(ref));
    }
    return filter;
}

bool ServiceFilter::admits(std::string_view name, std::string_view version) const {
    if (entries.empty()) {
        return true;
    }
    for (const auto& ref : entries) {
        if (ref.name == name && (ref.version.empty() || ref.version == version)) {
            return true;
        }
    }
    return false;
}

std::string ServiceFilter::to_string() const {
    std::string out;
    for (const auto& ref : entries) {
        if (!out.empty()) {
            out += ',';
        }
        out += ref.name;
        if (!ref.version.empty()) {
            out += ':' + ref.version;
        }
    }
    return out;
}

bool status_listed(const std::vector<std::string>& list, int status) noexcept {
    if (status < 100 || status > 999) {
        return false;
    }
    char text[4];
    std::to_chars(text, text + 3, status);
    for (const auto& entry : list) {
        if (entry.size() != 3) {
            continue;
        }
        bool same = true;
        for (int i = 0; i < 3 && same; ++i) {
            char c = entry[static_cast<std::size_t>(i)];
            same = c == text[i] || (i > 0 && (c == 'x' || c == 'X'));
        }
        if (same) {
            return true;
        }
    }
    return false;
}

std::string format_number(double value) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc{} ? std::string(buf, end) : std::to_string(value);
}

}  // namespace scagent::plugins::governance
