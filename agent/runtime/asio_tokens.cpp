#include "agent/runtime/asio_tokens.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

namespace scagent::runtime {

boost::asio::awaitable<bool> cancelled() {
    const auto state = co_await boost::asio::this_coro::cancellation_state;
    co_return state.cancelled() != boost::asio::cancellation_type::none;
}

bool is_cancellation(const std::exception_ptr& error) noexcept {
    if (!error) {
        return false;
    }
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        return e.code() == boost::asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

void log_escaped(std::string_view what, const std::exception_ptr& error) noexcept {
    if (!error || is_cancellation(error)) {
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("{}: {}", what, e.what());
    } catch (...) {
        spdlog::error("{}: unknown exception", what);
    }
}

}  // namespace scagent::runtime
