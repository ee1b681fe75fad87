#include "plugins/registry/servicecomb/escape.hpp"

namespace scagent::plugins::servicecomb {
namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

template <class KeepFn>
std::string percent_encode(std::string_view text, KeepFn keep) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (keep(c)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0f]);
        }
    }
    return out;
}

}  // namespace

std::string escape_path_segment(std::string_view segment) {
    return percent_encode(segment, is_unreserved);
}

std::string escape_query_value(std::string_view value) {
    return percent_encode(value, [](unsigned char c) {
        return is_unreserved(c) || c == ':' || c == ',' || c == '/' || c == '@';
    });
}

QueryString& QueryString::add(std::string_view key, std::string_view value) {
    text_ += text_.empty() ? '?' : '&';
    text_ += escape_query_value(key);
    text_ += '=';
    text_ += escape_query_value(value);
    return *this;
}

QueryString& QueryString::add_if(std::string_view key, std::string_view value) {
    if (!value.empty()) {
        add(key, value);
    }
    return *this;
}

}  // namespace scagent::plugins::servicecomb
