#include "agent/net/origin.hpp"

#include <charconv>

#include "plugins/api/http_message.hpp"

namespace scagent::net {
namespace {

std::string authority(const Origin& origin, bool with_port) {
    std::string host =
        origin.host.find(':') != std::string::npos ? "[" + origin.host + "]" : origin.host;
    return with_port ? host + ":" + std::to_string(origin.port) : host;
}

}  // namespace

std::string Origin::key() const {
    return std::string(tls ? "https://" : "http://") + authority(*this, true);
}

std::string Origin::host_header() const {
    return authority(*this, port != (tls ? 443 : 80));
}

Origin parse_origin(std::string_view text) {
    Origin origin;
    auto starts_with = [&](std::string_view prefix) {
        return text.size() >= prefix.size() &&
               plugins::iequals(text.substr(0, prefix.size()), prefix);
    };
    if (starts_with("https://")) {
        origin.tls = true;
        text.remove_prefix(8);
    } else if (starts_with("http://")) {
        text.remove_prefix(7);
    } else {
        return origin;
    }
    text = text.substr(0, text.find('/'));
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            return origin;
        }
        origin.host = std::string(text.substr(1, close - 1));
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return origin;
            }
            port_text = rest.substr(1);
        }
    } else {
        auto colon = text.rfind(':');
        origin.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
        }
    }
    if (origin.host.empty()) {
        return origin;
    }
    origin.port = origin.tls ? 443 : 80;
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
            value > 65535) {
            return origin;
        }
        origin.port = static_cast<std::uint16_t>(value);
    }
    origin.valid = true;
    return origin;
}

}  // namespace scagent::net
