#include "agent/net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <vector>

#include "agent/clients/registry_client.hpp"
#include "agent/net/connect.hpp"
#include "agent/net/tls_context.hpp"
#include "tests/integration/client/client_test_support.hpp"
#include "tests/support/fake_http_server.hpp"

namespace scagent::testing {
namespace {

FakeReply ok(std::string body = "ok") {
    return FakeReply{.status = 200, .body = std::move(body)};
}

class HttpClientTest : public ::testing::Test {
  protected:
    boost::asio::io_context ioc;
};

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
    FakeHttpServer server(ioc, [](const FakeRequest& request) {
        return ok(request.target + " " + (request.header("Host") ? *request.header("Host") : ""));
    });
    HttpClient client(HttpClientOptions{});
    for (int i = 0; i < 3; ++i) {
        auto result =
            run(ioc, client.send(get(server.origin(), "/n" + std::to_string(i)), deadline_in(5s)));
        ASSERT_TRUE(result.has_value()) << result.error().describe();
        EXPECT_EQ(result->status, 200);
        EXPECT_EQ(result->body,
                  "/n" + std::to_string(i) + " 127.0.0.1:" + std::to_string(server.port()));
    }
    EXPECT_EQ(server.accepted(), 1);
    EXPECT_EQ(client.connections_opened(), 1u);
    EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(HttpClientTest, ConnectionCloseIsNotPooled) {
    FakeHttpServer server(ioc, [](const FakeRequest&) {
        FakeReply reply = ok();
        reply.close = true;
        return reply;
    });
    HttpClient client(HttpClientOptions{});
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(run(ioc, client.send(get(server.origin()), deadline_in(5s))).has_value());
    }
    EXPECT_EQ(server.accepted(), 2);
    EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClientTest, PassesMethodHeadersBodyAndStatus) {
    FakeRequest seen;
    FakeHttpServer server(ioc, [&](const FakeRequest& request) {
        seen = request;
        return FakeReply{.status = 400,
                         .body = R"({"errorCode":"400017"})",
                         .headers = {{"X-Resource-Revision", "r1"}}};
    });
    HttpClient client(HttpClientOptions{});
    plugins::HttpRequest request = get(server.origin(), "/v4/x?a=b");
    request.method = "PUT";
    request.headers = {{"X-Domain-Name", "default"}, {"Content-Type", "application/json"}};
    request.body = R"({"k":1})";
    auto result = run(ioc, client.send(request, deadline_in(5s)));
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->status, 400);
    EXPECT_EQ(*result->header("x-resource-revision"), "r1");
    EXPECT_EQ(seen.method, "PUT");
    EXPECT_EQ(seen.target, "/v4/x?a=b");
    EXPECT_EQ(seen.body, R"({"k":1})");
    EXPECT_EQ(*seen.header("x-domain-name"), "default");
    EXPECT_EQ(*seen.header("Content-Length"), "7");
}

TEST_F(HttpClientTest, DeadlineFiresOnServerThatNeverAnswers) {
    FakeHttpServer server(
        ioc, [](const FakeRequest&) { return FakeReply{.action = FakeReply::Action::hang}; });
    HttpClient client(HttpClientOptions{});
    auto started = std::chrono::steady_clock::now();
    auto result = run(ioc, client.send(get(server.origin()), deadline_in(300ms)));
    auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().kind, ErrorKind::timeout) << result.error().describe();
    EXPECT_GE(elapsed, 250ms);  // never before the deadline
    EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClientTest, PastDeadlineFailsWithoutConnecting) {
    FakeHttpServer server(ioc, [](const FakeRequest&) { return ok(); });
    HttpClient client(HttpClientOptions{});
    auto result = run(ioc, client.send(get(server.origin()), deadline_in(-1ms)));
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().kind, ErrorKind::timeout);
    EXPECT_EQ(client.connections_opened(), 0u);
}

TEST_F(HttpClientTest, ResponseAboveBoundIsRejected) {
    FakeHttpServer server(ioc, [](const FakeRequest& request) {
        return ok(request.target == "/big" ? std::string(2 * 1024 * 1024, 'x') : "small");
    });
    HttpClient client(HttpClientOptions{.max_response_bytes = 1024 * 1024});
    auto big = run(ioc, client.send(get(server.origin(), "/big"), deadline_in(5s)));
    ASSERT_TRUE(big.has_error());
    EXPECT_EQ(big.error().kind, ErrorKind::too_large) << big.error().describe();
    EXPECT_FALSE(clients::to_registry_error(big.error()).server_unavailable());

    auto small = run(ioc, client.send(get(server.origin(), "/small"), deadline_in(5s)));
    ASSERT_TRUE(small.has_value());
    EXPECT_EQ(small->body, "small");
    EXPECT_EQ(server.accepted(), 2);  // the oversized connection was not reused
}

TEST_F(HttpClientTest, IdleConnectionClosedByServerIsReplacedTransparently) {
    FakeHttpServer server(ioc, [](const FakeRequest&) { return ok(); });
    HttpClient client(HttpClientOptions{});
    ASSERT_TRUE(run(ioc, client.send(get(server.origin()), deadline_in(5s))).has_value());
    server.close_idle_connections();

    plugins::HttpRequest post = get(server.origin());
    post.method = "POST";
    post.idempotent = false;  // even a POST: the close is seen before anything is written
    auto result = run(ioc, client.send(post, deadline_in(5s)));
    ASSERT_TRUE(result.has_value()) << result.error().describe();
    EXPECT_EQ(server.accepted(), 2);
    EXPECT_EQ(server.requests(), 2);
}

TEST_F(HttpClientTest, StaleConnectionFailureRetriedOnceForIdempotentRequests) {
    // The server reads the second request on connection 1 and closes without answering: what a
    // client sees when the server's idle close races its request.
    int seen_on_first = 0;
    FakeHttpServer server(ioc, [&](const FakeRequest& request) {
        if (request.connection == 1 && ++seen_on_first >= 2) {
            return FakeReply{.action = FakeReply::Action::drop};
        }
        return ok();
    });
    HttpClient client(HttpClientOptions{});
    ASSERT_TRUE(run(ioc, client.send(get(server.origin()), deadline_in(5s))).has_value());
    auto retried = run(ioc, client.send(get(server.origin()), deadline_in(5s)));
    ASSERT_TRUE(retried.has_value()) << retried.error().describe();
    EXPECT_EQ(server.accepted(), 2);
    EXPECT_EQ(server.requests(), 3);
}

TEST_F(HttpClientTest, StaleConnectionFailureNotReplayedForNonIdempotentRequests) {
    FakeHttpServer server(ioc, [](const FakeRequest& request) {
        return request.method == "POST" ? FakeReply{.action = FakeReply::Action::drop} : ok();
    });
    HttpClient client(HttpClientOptions{});
    ASSERT_TRUE(run(ioc, client.send(get(server.origin()), deadline_in(5s))).has_value());
    plugins::HttpRequest post = get(server.origin());
    post.method = "POST";
    post.idempotent = false;
    auto result = run(ioc, client.send(post, deadline_in(5s)));
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().kind, ErrorKind::network);
    EXPECT_EQ(server.requests(), 2);
}

TEST_F(HttpClientTest, ConnectionRefusedIsANetworkError) {
    HttpClient client(HttpClientOptions{});
    auto result = run(ioc, client.send(get(dead_origin(ioc)), deadline_in(5s)));
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().kind, ErrorKind::network);
    EXPECT_TRUE(clients::to_registry_error(result.error()).server_unavailable());
}

TEST_F(HttpClientTest, InvalidOriginIsRejected) {
    HttpClient client(HttpClientOptions{});
    auto result = run(ioc, client.send(get("ftp://x"), deadline_in(5s)));
    ASSERT_TRUE(result.has_error());
    EXPECT_NE(result.error().message.find("invalid origin"), std::string::npos);
}

// A listener whose backlog completes TCP handshakes but which never answers a TLS ClientHello.
class SilentListener {
  public:
    explicit SilentListener(boost::asio::io_context& ioc)
        : acceptor_(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}

    net::Origin origin() const {
        net::Origin origin;
        origin.valid = true;
        origin.tls = true;
        origin.host = "127.0.0.1";
        origin.port = acceptor_.local_endpoint().port();
        return origin;
    }
    /// Calls `on_accept` once a connection has been taken off the backlog (and keeps it open).
    void accept_then(std::function<void()> on_accept) {
        acceptor_.async_accept([this, on_accept = std::move(on_accept)](
                                   boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
            if (!ec) {
                held_.push_back(std::move(s));
            }
            on_accept();
        });
    }

  private:
    boost::asio::ip::tcp::acceptor acceptor_;
    std::vector<boost::asio::ip::tcp::socket> held_;
};

// What a connect ended with: nothing on success (the stream is closed at once).
template <class Stream>
boost::asio::awaitable<std::optional<net::TransportError>> error_of(
    boost::asio::awaitable<net::TransportResult<Stream>> connecting) {
    auto stream = co_await std::move(connecting);
    if (stream) {
        co_return std::nullopt;
    }
    co_return stream.error();
}

TEST_F(HttpClientTest, ConnectTlsEndsWithTimeoutWhenTheHandshakeNeverAnswers) {
    SilentListener listener(ioc);
    auto context = net::make_client_tls_context(net::TlsOptions{.verify = false});
    auto error =
        run(ioc, error_of(net::connect_tls(listener.origin(), context, false, deadline_in(200ms))));
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->kind, ErrorKind::timeout) << error->describe();
    EXPECT_NE(error->message.find("tls handshake"), std::string::npos) << error->describe();
}

TEST_F(HttpClientTest, ConnectWithPassedDeadlineIsATimeout) {
    SilentListener listener(ioc);
    auto origin = listener.origin();
    origin.tls = false;
    auto error = run(ioc, error_of(net::connect_plain(origin, deadline_in(-1ms))));
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->kind, ErrorKind::timeout) << error->describe();
}

TEST_F(HttpClientTest, ConnectResolvesAHostName) {
    SilentListener listener(ioc);
    auto origin = listener.origin();
    origin.tls = false;
    origin.host = "localhost";
    auto error = run(ioc, error_of(net::connect_plain(origin, deadline_in(5s))));
    EXPECT_FALSE(error.has_value()) << error->describe();
}

TEST_F(HttpClientTest, CancellationEndsAPendingConnect) {
    SilentListener listener(ioc);
    auto context = net::make_client_tls_context(net::TlsOptions{.verify = false});
    boost::asio::cancellation_signal stop;
    // Once the server side exists, the client is connecting or handshaking: cancel it there.
    listener.accept_then([&] { stop.emit(boost::asio::cancellation_type::terminal); });
    std::optional<std::optional<net::TransportError>> out;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        ioc, error_of(net::connect_tls(listener.origin(), context, false, deadline_in(60s))),
        boost::asio::bind_cancellation_slot(
            stop.slot(), [&](std::exception_ptr e, std::optional<net::TransportError> error) {
                failure = e;
                out.emplace(std::move(error));
                ioc.stop();
            }));
    ioc.run_for(30s);
    ASSERT_FALSE(failure);
    ASSERT_TRUE(out.has_value()) << "the connect did not end";
    ASSERT_TRUE(out->has_value()) << "the connect succeeded";
    EXPECT_EQ((*out)->kind, ErrorKind::cancelled) << (*out)->describe();
}

TEST(OriginTest, Parses) {
    auto a = net::parse_origin("https://sc.example.com");
    ASSERT_TRUE(a.valid);
    EXPECT_TRUE(a.tls);
    EXPECT_EQ(a.port, 443);
    EXPECT_EQ(a.host_header(), "sc.example.com");
    EXPECT_EQ(a.key(), "https://sc.example.com:443");

    auto b = net::parse_origin("HTTP://[::1]:30100/ignored/path");
    ASSERT_TRUE(b.valid);
    EXPECT_EQ(b.host, "::1");
    EXPECT_EQ(b.host_header(), "[::1]:30100");

    EXPECT_FALSE(net::parse_origin("127.0.0.1:30100").valid);
    EXPECT_FALSE(net::parse_origin("http://:80").valid);
    EXPECT_FALSE(net::parse_origin("http://h:99999").valid);
    EXPECT_FALSE(net::parse_origin("http://h:1x").valid);
}

}  // namespace
}  // namespace scagent::testing
