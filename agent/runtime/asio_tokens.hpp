// Completion tokens and handlers every asynchronous component of the agent uses.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <string_view>

namespace scagent::runtime {

/// `co_await op(kNoThrow)` yields a tuple (error_code, results...) instead of throwing: expected
/// network errors are values (STYLE.md §6).
inline constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

/// True once the calling coroutine's cancellation signal has fired (its owner is stopping it).
boost::asio::awaitable<bool> cancelled();

/// True when `error` is what a cancelled coroutine throws at its next co_await: the owner asked
/// for the stop, so it is not an error worth a log line.
bool is_cancellation(const std::exception_ptr& error) noexcept;

/// Logs an exception that escaped a coroutine (nothing for a cancellation); `what` names it.
void log_escaped(std::string_view what, const std::exception_ptr& error) noexcept;

}  // namespace scagent::runtime
