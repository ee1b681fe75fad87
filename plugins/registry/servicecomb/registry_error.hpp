#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "plugins/api/http_message.hpp"

namespace scagent::plugins::servicecomb {

/// Where a registry call failed; decides retry and failover.
enum class ErrorKind {
    network,    ///< connect/read/write failure, connection closed early
    timeout,    ///< the request deadline passed
    tls,        ///< handshake or certificate verification failed
    too_large,  ///< response above the configured bound
    http,       ///< non-2xx without a service-center error body (proxy page, 404 from a router)
    service,    ///< service-center/kie error body: `code` holds errorCode, e.g. "400017"
    decode,     ///< 2xx whose body is not what the API promises
};

std::string_view to_string(ErrorKind kind) noexcept;

/// One error type for the transport and the codec, so a registry call has a single failure
/// channel. Plain data: cheap to copy, safe to log (it never holds request headers or bodies).
struct RegistryError {
    ErrorKind kind = ErrorKind::network;
    std::string code{};     ///< errorCode for `service` ("400017"); empty otherwise
    std::string message{};  ///< errorMessage, or what the transport saw
    std::string detail{};   ///< errorDetail / extra context; may be empty
    int http_status = 0;    ///< 0 when no response arrived

    bool is(std::string_view error_code) const noexcept {
        return kind == ErrorKind::service && code == error_code;
    }
    /// No usable answer from this server: worth another address (network, timeout, TLS, 5xx).
    bool server_unavailable() const noexcept;
    /// "service 400017 (HTTP 400): Instance does not exist: detail" — for logs and reasons.
    std::string describe() const;
};

/// Called by boost::system::result::value() on error (found by ADL): throws std::runtime_error.
[[noreturn]] void throw_exception_from_error(const RegistryError& error,
                                             const boost::source_location& location);

template <class T>
using Result = boost::system::result<T, RegistryError>;

/// Service-center error codes the agent reacts to (spec §1.2).
namespace codes {
inline constexpr std::string_view kInvalidParams = "400001";
inline constexpr std::string_view kServiceAlreadyExists = "400010";
inline constexpr std::string_view kServiceNotExists = "400012";
inline constexpr std::string_view kInstanceNotExists = "400017";
inline constexpr std::string_view kServiceVersionNotExists = "400026";
inline constexpr std::string_view kUnauthorized = "401201";
inline constexpr std::string_view kWrongPassword = "401202";
inline constexpr std::string_view kNoAuthHeader = "401204";
inline constexpr std::string_view kTokenExpired = "401205";
inline constexpr std::string_view kAccountBlocked = "403201";
}  // namespace codes

/// Error for a non-2xx response: `service` when the body carries errorCode (string or number;
/// CSE's error_code/error_msg dialect too), else `http` with a short, sanitized body excerpt.
/// Never throws.
RegistryError decode_error_response(const HttpResponse& response);

/// Success for 2xx, otherwise decode_error_response().
Result<void> expect_success(const HttpResponse& response);

/// At most 200 bytes of `body`, printable ASCII only, so a binary or hostile body cannot inject
/// control characters into logs.
std::string sanitized_excerpt(std::string_view body);

RegistryError make_decode_error(std::string message, const HttpResponse& response);

}  // namespace scagent::plugins::servicecomb
