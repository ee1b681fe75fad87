#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "plugins/api/http_message.hpp"

namespace scagent::testing {

/// What the fake server saw. `connection` numbers accepted connections from 1.
struct FakeRequest {
    std::string method{};
    std::string target{};
    plugins::HttpHeaders headers{};
    std::string body{};
    int connection = 0;

    const std::string* header(std::string_view name) const {
        return plugins::find_header(headers, name);
    }
};

/// How the fake server answers one request.
struct FakeReply {
    enum class Action {
        respond,  ///< send status/headers/body
        hang,     ///< never answer (until the server stops)
        drop,     ///< close the connection without answering
    };
    int status = 200;
    std::string body{};
    plugins::HttpHeaders headers{};
    Action action = Action::respond;
    bool close = false;  ///< Connection: close after this response
};

using FakeHandler = std::function<FakeReply(const FakeRequest&)>;

/// PEM files for an https fake server.
struct FakeTls {
    std::string cert_file{};
    std::string key_file{};
};

/// A scripted HTTP/1.1 (or HTTPS) server on 127.0.0.1:0 for client tests: counts accepted
/// connections, can hang, drop a request, or close idle keep-alive connections on demand.
/// Runs on the given io_context (usually the test's single thread).
class FakeHttpServer {
  public:
    FakeHttpServer(boost::asio::io_context& ioc, FakeHandler handler,
                   std::optional<FakeTls> tls = std::nullopt);
    ~FakeHttpServer();
    FakeHttpServer(const FakeHttpServer&) = delete;
    FakeHttpServer& operator=(const FakeHttpServer&) = delete;

    std::uint16_t port() const;
    /// "http://127.0.0.1:PORT" (https when TLS is on).
    std::string origin() const;
    int accepted() const;
    int requests() const;
    /// Closes every connection that is waiting for its next request.
    void close_idle_connections();
    void stop();

  private:
    struct State;
    std::shared_ptr<State> state_;
};

/// A loopback origin nobody listens on (bound, then closed).
std::string dead_origin(boost::asio::io_context& ioc);

}  // namespace scagent::testing
