#pragma once

#include <optional>

#include "agent/api/discovery_responses.hpp"
#include "agent/net/route_types.hpp"

namespace scagent::api {

/// 400 `INVALID_UTF8` naming the first part of the request (a path segment, a query parameter or
/// the body) whose decoded text is not UTF-8; nullopt when all of it is. Checked before any
/// route runs, so that no handler stores text that a later JSON answer could not hold.
std::optional<ApiError> invalid_utf8(const net::RouteContext& ctx);

}  // namespace scagent::api
