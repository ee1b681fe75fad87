#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace scagent::net {

/// Why a connection or an exchange gave no response. Deciding what that means for a caller
/// (failover, a registry error, a failed probe) is the caller's job.
enum class TransportErrorKind {
    network,    ///< resolve/connect/read/write failure, connection closed early, bad origin
    timeout,    ///< the deadline passed (in any step: resolve, connect, handshake, exchange)
    tls,        ///< handshake or certificate verification failed
    too_large,  ///< response above the configured bound
    cancelled,  ///< the awaiting coroutine was cancelled (its owner is stopping)
};

std::string_view to_string(TransportErrorKind kind) noexcept;

/// net's own error: plain data, safe to log (never holds request headers or bodies).
struct TransportError {
    TransportErrorKind kind = TransportErrorKind::network;
    std::string message{};  ///< what failed, with the step: "connect: Connection refused"
    std::string detail{};   ///< where: the origin key ("https://host:443"); may be empty

    /// "timeout: resolve: deadline passed: http://host:80" — for logs and reasons.
    std::string describe() const;
};

/// Called by boost::system::result::value() on error (found by ADL): throws std::runtime_error.
[[noreturn]] void throw_exception_from_error(const TransportError& error,
                                             const boost::source_location& location);

template <class T>
using TransportResult = boost::system::result<T, TransportError>;

TransportError make_transport_error(TransportErrorKind kind, std::string message,
                                    std::string detail);

/// Classifies an I/O error of step `phase` ("connect", "tls handshake", "exchange", ...):
/// timeout, cancelled, too_large (Beast parser limits), tls (SSL errors of the handshake),
/// network otherwise. `detail` names the peer.
TransportError classify(const boost::system::error_code& ec, std::string_view phase,
                        std::string detail);

}  // namespace scagent::net
