#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "agent/net/route_types.hpp"

namespace scagent::dev_registry {

namespace asio = boost::asio;

/// Error codes of spec §1.2 (service center) and §3.1 (kie). HTTP status = code / 1000.
enum ErrorCode : std::int32_t {
    kInvalidParams = 400001,
    kUnhealthy = 400002,
    kServiceAlreadyExists = 400010,
    kServiceNotExists = 400012,
    kDeployedInstance = 400013,
    kInstanceNotExists = 400017,
    kServiceVersionNotExists = 400026,
    kNotEnoughQuota = 400100,
    kInternal = 500003,
    kUnauthorized = 401201,
    kWrongPassword = 401202,
    kNoAuthHeader = 401204,
    kTokenExpired = 401205,
    kKieInvalidParams = 400001,
    kKieObserveEvent = 400003,
    kKieNotFound = 404001,
    kKieAlreadyExists = 409001,
    kKieInternal = 500001,
};

/// A service-center or kie error: the fixed message comes from the code, `detail` is free text.
struct ApiError {
    std::int32_t code = kInternal;
    std::string detail;
};

/// The value of a successful operation that returns nothing.
struct Unit {};

/// Either a value or an ApiError; the store's return type.
template <typename T>
using Result = std::variant<T, ApiError>;

template <typename T>
bool failed(const Result<T>& r) {
    return std::holds_alternative<ApiError>(r);
}

/// SC body `{"errorCode":"400017","errorMessage":...,"detail":...}`, detail omitted when empty.
net::Reply sc_error(const ApiError& error);
/// Kie body: the same fields, pretty-printed like Go's MarshalIndent(v, "", " ").
net::Reply kie_error(const ApiError& error);

std::string sc_message(std::int32_t code);
std::string kie_message(std::int32_t code);

}  // namespace scagent::dev_registry
