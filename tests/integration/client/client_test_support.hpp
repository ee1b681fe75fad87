#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "agent/net/http_client.hpp"
#include "agent/net/http_transport.hpp"

namespace scagent::testing {

using namespace std::chrono_literals;
using net::HttpClient;
using net::HttpClientOptions;
using ErrorKind = net::TransportErrorKind;

/// Runs one coroutine (and whatever else is queued, such as fake servers) on `ioc` until it
/// finishes, and returns its value. Lets a test body stay plain code with ASSERTs.
template <class T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> task,
      std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::optional<T> out;
    std::exception_ptr failure;
    ioc.restart();
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
        failure = e;
        out = std::move(value);
        ioc.stop();
    });
    ioc.run_for(limit);
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!out) {
        throw std::runtime_error("coroutine did not finish in time");
    }
    return std::move(*out);
}

inline net::Deadline deadline_in(std::chrono::milliseconds duration) {
    return std::chrono::steady_clock::now() + duration;
}

inline plugins::HttpRequest get(const std::string& origin, std::string target = "/") {
    plugins::HttpRequest request;
    request.method = "GET";
    request.origin = origin;
    request.target = std::move(target);
    request.idempotent = true;
    return request;
}

}  // namespace scagent::testing
