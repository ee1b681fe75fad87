#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace scagent::test {

struct TestResponse {
    unsigned status = 0;  ///< 0: no response (connection failed, closed or timed out)
    std::string body;
    std::map<std::string, std::string> headers;  ///< keys lower-cased
    std::string error;                           ///< why status is 0

    std::string header(const std::string& name) const;
    nlohmann::json json() const;  ///< throws on bad JSON: a test failure, with the body shown
};

/// A synchronous HTTP/1.1 client for tests: one keep-alive connection, reopened when the server
/// closed it, every exchange bounded by `timeout`. Not thread-safe; use one per thread.
class HttpTestClient {
  public:
    HttpTestClient(std::string host, std::uint16_t port,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpTestClient();

    TestResponse request(boost::beast::http::verb method, const std::string& target,
                         const std::string& body = {},
                         const std::map<std::string, std::string>& headers = {});
    TestResponse get(const std::string& target, const std::map<std::string, std::string>& h = {}) {
        return request(boost::beast::http::verb::get, target, {}, h);
    }
    TestResponse post(const std::string& target, const std::string& body,
                      const std::map<std::string, std::string>& h = {}) {
        return request(boost::beast::http::verb::post, target, body, h);
    }
    TestResponse put(const std::string& target, const std::string& body = {},
                     const std::map<std::string, std::string>& h = {}) {
        return request(boost::beast::http::verb::put, target, body, h);
    }
    TestResponse del(const std::string& target, const std::string& body = {},
                     const std::map<std::string, std::string>& h = {}) {
        return request(boost::beast::http::verb::delete_, target, body, h);
    }

    /// Writes raw bytes on a fresh connection and returns everything read until the server
    /// closes or `timeout` passes. For malformed-input tests.
    std::string raw(const std::string& bytes);
    /// Whether the last raw() ended at `timeout` rather than by the server closing.
    bool raw_timed_out() const { return raw_timed_out_; }

    /// Called on the client's thread once each request has been written to the socket (the
    /// server can read it), before the response is awaited: lets a test order "request in
    /// flight" before what it does next without a sleep.
    void on_written(std::function<void()> callback) { on_written_ = std::move(callback); }

    /// Number of TCP connections opened so far (keep-alive checks).
    int connections_opened() const { return connections_opened_; }
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int connections_opened_ = 0;
    std::function<void()> on_written_;
    bool raw_timed_out_ = false;
};

/// Polls `predicate` until it holds or `timeout` passes; for waiting on server-side state
/// without fixed sleeps.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate()) {
            return true;
        }
        boost::asio::io_context pause;  // a short real wait between polls, not a correctness sleep
        boost::asio::steady_timer(pause, std::chrono::milliseconds(5)).wait();
    }
    return predicate();
}

}  // namespace scagent::test
