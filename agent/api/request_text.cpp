#include "agent/api/request_text.hpp"

#include <string>

#include "plugins/api/text.hpp"

namespace scagent::api {
namespace {

ApiError not_utf8(const std::string& what) {
    return {400, "INVALID_UTF8", what + ": not valid UTF-8"};
}

}  // namespace

std::optional<ApiError> invalid_utf8(const net::RouteContext& ctx) {
    for (const auto& segment : ctx.path_segments()) {
        if (!plugins::valid_utf8(segment)) {
            return not_utf8("path");
        }
    }
    for (const auto& [name, value] : ctx.query_params()) {
        if (!plugins::valid_utf8(name)) {
            return not_utf8("query parameter name");
        }
        if (!plugins::valid_utf8(value)) {
            return not_utf8(name);
        }
    }
    if (!plugins::valid_utf8(ctx.body())) {
        return not_utf8("body");
    }
    return std::nullopt;
}

}  // namespace scagent::api
