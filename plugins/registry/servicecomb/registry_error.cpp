#include "plugins/registry/servicecomb/registry_error.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "plugins/api/text.hpp"

namespace scagent::plugins::servicecomb {
namespace {

constexpr std::size_t kExcerptBytes = 200;

std::string field_text(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) {
        return {};
    }
    if (it->is_string()) {
        return it->get<std::string>();
    }
    if (it->is_number_integer()) {
        return std::to_string(it->get<long long>());
    }
    return {};
}

}  // namespace

std::string sanitized_excerpt(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, kExcerptBytes)) {
        auto u = static_cast<unsigned char>(c);
        out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
    }
    if (body.size() > kExcerptBytes) {
        out += "...";
    }
    return out;
}

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::network:
            return "network";
        case ErrorKind::timeout:
            return "timeout";
        case ErrorKind::tls:
            return "tls";
        case ErrorKind::too_large:
            return "too_large";
        case ErrorKind::http:
            return "http";
        case ErrorKind::service:
            return "service";
        case ErrorKind::decode:
            return "decode";
    }
    return "unknown";
}

bool RegistryError::server_unavailable() const noexcept {
    switch (kind) {
        case ErrorKind::network:
        case ErrorKind::timeout:
        case ErrorKind::tls:
            return true;
        case ErrorKind::http:
        case ErrorKind::service:
            return http_status >= 500;
        case ErrorKind::too_large:
        case ErrorKind::decode:
            return false;
    }
    return false;
}

std::string RegistryError::describe() const {
    std::string out(to_string(kind));
    if (!code.empty()) {
        out += ' ';
        out += code;
    }
    if (http_status != 0) {
        out += " (HTTP " + std::to_string(http_status) + ")";
    }
    if (!message.empty()) {
        out += ": " + message;
    }
    if (!detail.empty()) {
        out += ": " + detail;
    }
    return out;
}

void throw_exception_from_error(const RegistryError& error, const boost::source_location&) {
    throw std::runtime_error(error.describe());
}

RegistryError decode_error_response(const HttpResponse& response) {
    RegistryError error{.kind = ErrorKind::http, .http_status = response.status};
    auto json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (json.is_object()) {
        std::string code = field_text(json, "errorCode");
        std::string message = field_text(json, "errorMessage");
        if (code.empty()) {
            code = field_text(json, "error_code");
            message = field_text(json, "error_msg");
            if (message.empty()) {
                message = field_text(json, "error_message");
            }
        }
        if (!code.empty()) {
            error.kind = ErrorKind::service;
            error.code = std::move(code);
            // Registry text reaches logs and answers: escaped and capped like any outside text.
            error.message = escape_for_log(message);
            error.detail = escape_for_log(field_text(json, "detail"));
            return error;
        }
    }
    error.message = "unexpected HTTP status " + std::to_string(response.status);
    error.detail = sanitized_excerpt(response.body);
    return error;
}

Result<void> expect_success(const HttpResponse& response) {
    if (response.ok()) {
        return {};
    }
    return decode_error_response(response);
}

RegistryError make_decode_error(std::string message, const HttpResponse& response) {
    return RegistryError{.kind = ErrorKind::decode,
                         .message = std::move(message),
                         .detail = sanitized_excerpt(response.body),
                         .http_status = response.status};
}

}  // namespace scagent::plugins::servicecomb
