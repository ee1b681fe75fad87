#include "agent/proxy/message_head.hpp"

#include <array>
#include <charconv>

namespace scagent::proxy {
namespace {

namespace http = boost::beast::http;

void append_fields(const http::fields& fields, std::string& out, bool skip_host = false,
                   std::string_view added = {}) {
    for (const auto& field : fields) {
        if (skip_host && field.name() == http::field::host) {
            continue;
        }
        out.append(field.name_string());
        out.append(": ");
        out.append(field.value());
        out.append("\r\n");
    }
    out.append(added);
    out.append("\r\n");
}

void append_version(unsigned version, std::string& out) {
    out.append(version >= 11 ? "HTTP/1.1" : "HTTP/1.0");
}

}  // namespace

void append_request_head(const http::request_header<>& head, std::string_view target,
                         std::string_view host, std::string_view added, std::string& out) {
    out.append(head.method_string());
    out.push_back(' ');
    out.append(target.empty() ? std::string_view(head.target()) : target);
    out.push_back(' ');
    append_version(head.version(), out);
    out.append("\r\n");
    if (!host.empty()) {
        out.append("Host: ").append(host).append("\r\n");
    }
    append_fields(head, out, !host.empty(), added);
}

void append_status_line(unsigned version, unsigned status, std::string_view reason,
                        std::string& out) {
    append_version(version, out);
    out.push_back(' ');
    std::array<char, 8> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), status);
    out.append(digits.data(), ec == std::errc{} ? end : digits.data());
    out.push_back(' ');
    // No phrase given: the standard one, or the empty phrase HTTP/1.1 allows for a code
    // without one.
    if (reason.empty() && http::int_to_status(status) != http::status::unknown) {
        reason = http::obsolete_reason(http::int_to_status(status));
    }
    out.append(reason);
    out.append("\r\n");
}

void append_response_head(const http::response_header<>& head, std::string& out) {
    // reason() is the upstream's phrase, else the standard one, else Beast's "<unknown-status>"
    // placeholder, which goes out as the empty phrase.
    auto reason = head.reason();
    if (http::int_to_status(head.result_int()) == http::status::unknown &&
        reason == http::obsolete_reason(http::status::unknown)) {
        reason = {};
    }
    append_status_line(head.version(), head.result_int(), reason, out);
    append_fields(head, out);
}

void append_content_length(std::uint64_t length, std::string& out) {
    std::array<char, 24> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), length);
    out.append("Content-Length: ");
    out.append(digits.data(), ec == std::errc{} ? end : digits.data());
    out.append("\r\n");
}

void append_chunk_size(std::size_t size, std::string& out) {
    std::array<char, 2 * sizeof(std::size_t)> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), size, 16);
    out.append(digits.data(), ec == std::errc{} ? end : digits.data());
    out.append("\r\n");
}

}  // namespace scagent::proxy
