#include "agent/proxy/answer_parser.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstring>

#include "agent/proxy/forward_headers.hpp"

namespace scagent::proxy {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

/// Whether the head line starting at `line` names the field `name` (case-insensitively).
bool line_names(std::string_view line, std::string_view name) {
    const auto colon = line.find(':');
    return colon != std::string_view::npos && beast::iequals(line.substr(0, colon), name);
}

}  // namespace

AnswerParser::AnswerParser(std::string& fields, bool drop_instance_field)
    : fields_(fields), drop_instance_field_(drop_instance_field) {
    fields_.clear();
}

void AnswerParser::on_request_impl(http::verb, boost::beast::string_view, boost::beast::string_view,
                                   int, beast::error_code& ec) {
    ec = http::error::bad_method;  // a response parser is never given a request line
}

void AnswerParser::on_response_impl(int code, boost::beast::string_view reason, int,
                                    beast::error_code&) {
    status_ = static_cast<unsigned>(code);
    reason_.assign(reason);
}

void AnswerParser::on_field_impl(http::field name, boost::beast::string_view name_string,
                                 boost::beast::string_view value, beast::error_code&) {
    if (name == http::field::connection) {
        for_each_list_item(value, [&](std::string_view token) {
            if (!beast::iequals(token, "keep-alive") && !beast::iequals(token, "close")) {
                connection_named_.append(token).push_back('\n');
            }
        });
    }
    if (is_hop_by_hop(name) || name == http::field::content_length ||
        (name == http::field::unknown &&
         (beast::iequals(name_string, "X-Sc-Agent-Error") ||
          (drop_instance_field_ && beast::iequals(name_string, "X-Sc-Instance"))))) {
        return;
    }
    fields_.append(name_string).append(": ").append(value).append("\r\n");
}

void AnswerParser::on_header_impl(beast::error_code&) {
    if (connection_named_.empty()) {
        return;
    }
    // Rare: drop the lines of the fields Connection named, wherever they came.
    std::string kept;
    std::string_view lines = fields_;
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const auto line = lines.substr(0, end == std::string_view::npos ? lines.size() : end + 2);
        bool named = false;
        std::string_view names = connection_named_;
        while (!names.empty() && !named) {
            const auto newline = names.find('\n');
            named = line_names(line, names.substr(0, newline));
            names =
                newline == std::string_view::npos ? std::string_view{} : names.substr(newline + 1);
        }
        if (!named) {
            kept.append(line);
        }
        lines.remove_prefix(line.size());
    }
    fields_ = std::move(kept);
}

void AnswerParser::on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) {}

std::size_t AnswerParser::take_body(std::string_view body, beast::error_code& ec) noexcept {
    if (body_data_ == nullptr || body_room_ == 0) {
        ec = http::error::need_buffer;
        return 0;
    }
    const auto n = std::min(body_room_, body.size());
    std::memcpy(body_data_, body.data(), n);
    body_data_ += n;
    body_room_ -= n;
    if (n < body.size()) {
        ec = http::error::need_buffer;
    }
    return n;
}

std::size_t AnswerParser::on_body_impl(boost::beast::string_view body, beast::error_code& ec) {
    return take_body(body, ec);
}

void AnswerParser::on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                                        beast::error_code&) {}

std::size_t AnswerParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                             beast::error_code& ec) {
    return take_body(body, ec);
}

void AnswerParser::on_finish_impl(beast::error_code&) {}

}  // namespace scagent::proxy
