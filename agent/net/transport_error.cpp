#include "agent/net/transport_error.hpp"

#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <stdexcept>

namespace scagent::net {

std::string_view to_string(TransportErrorKind kind) noexcept {
    // In enum order.
    static constexpr std::array<std::string_view, 5> kNames{"network", "timeout", "tls",
                                                            "too_large", "cancelled"};
    const auto index = static_cast<std::size_t>(kind);
    return index < kNames.size() ? kNames[index] : std::string_view("unknown");
}

std::string TransportError::describe() const {
    std::string out(to_string(kind));
    if (!message.empty()) {
        out += ": " + message;
    }
    if (!detail.empty()) {
        out += ": " + detail;
    }
    return out;
}

void throw_exception_from_error(const TransportError& error, const boost::source_location&) {
    throw std::runtime_error(error.describe());
}

TransportError make_transport_error(TransportErrorKind kind, std::string message,
                                    std::string detail) {
    TransportError error;
    error.kind = kind;
    error.message = std::move(message);
    error.detail = std::move(detail);
    return error;
}

TransportError classify(const boost::system::error_code& ec, std::string_view phase,
                        std::string detail) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    auto kind = TransportErrorKind::network;
    if (ec == beast::error::timeout || ec == asio::error::timed_out) {
        kind = TransportErrorKind::timeout;
    } else if (ec == asio::error::operation_aborted) {
        kind = TransportErrorKind::cancelled;
    } else if (ec == beast::http::error::body_limit || ec == beast::http::error::header_limit ||
               ec == beast::http::error::buffer_overflow) {
        kind = TransportErrorKind::too_large;
    } else if (ec.category() == asio::error::get_ssl_category() && phase == "tls handshake") {
        kind = TransportErrorKind::tls;
    }
    return make_transport_error(kind, std::string(phase) + ": " + ec.message(), std::move(detail));
}

}  // namespace scagent::net
