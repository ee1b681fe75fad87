#pragma once

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace scagent::runtime {

/// A long-lived part of the daemon. The daemon keeps its components in one ordered list, starts
/// them in order and stops them in reverse (docs/architecture.md).
///
/// Contract: start() is called once, before or while the io_context runs, and throws when the
/// component cannot start (a port in use); stop() is awaited once, after a successful start(),
/// and returns when every coroutine the component spawned has ended.
class Component {
  public:
    virtual ~Component() = default;
    virtual std::string_view name() const noexcept = 0;
    virtual void start() = 0;
    virtual boost::asio::awaitable<void> stop() = 0;
};

}  // namespace scagent::runtime
