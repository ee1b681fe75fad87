#include "tests/support/fake_http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <vector>

namespace scagent::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Connection {
    explicit Connection(asio::io_context& ioc) : hang(ioc) {}

    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    asio::steady_timer hang;
    bool idle = true;
    int id = 0;

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
    void close() {
        boost::system::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().socket().close(ignored);
        hang.cancel();
    }
};

}  // namespace

struct FakeHttpServer::State {
    State(asio::io_context& context, FakeHandler h) : ioc(context), acceptor(context), handler(h) {}

    asio::io_context& ioc;
    tcp::acceptor acceptor;
    FakeHandler handler;
    std::optional<ssl::context> tls;
    int accepted = 0;
    int requests = 0;
    std::vector<std::weak_ptr<Connection>> connections;
};

namespace {

template <class Stream, class ServerState>
asio::awaitable<void> serve_stream(std::shared_ptr<ServerState> state,
                                   std::shared_ptr<Connection> connection, Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
        connection->idle = true;
        http::request<http::string_body> request;
        auto [read_error, read] = co_await http::async_read(stream, buffer, request, kNoThrow);
        if (read_error) {
            connection->close();
            co_return;
        }
        connection->idle = false;
        ++state->requests;

        FakeRequest seen{.method = std::string(request.method_string()),
                         .target = std::string(request.target()),
                         .body = request.body(),
                         .connection = connection->id};
        for (const auto& field : request) {
            seen.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        FakeReply reply = state->handler(seen);
        if (reply.action == FakeReply::Action::hang) {
            connection->hang.expires_at(asio::steady_timer::time_point::max());
            co_await connection->hang.async_wait(kNoThrow);
            connection->close();
            co_return;
        }
        if (reply.action == FakeReply::Action::drop) {
            connection->close();
            co_return;
        }
        http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                                   request.version()};
        for (const auto& [name, value] : reply.headers) {
            response.set(name, value);
        }
        response.body() = std::move(reply.body);
        response.keep_alive(request.keep_alive() && !reply.close);
        response.prepare_payload();
        auto [write_error, written] = co_await http::async_write(stream, response, kNoThrow);
        if (write_error || !response.keep_alive()) {
            connection->close();
            co_return;
        }
    }
}

template <class ServerState>
asio::awaitable<void> serve(std::shared_ptr<ServerState> state,
                            std::shared_ptr<Connection> connection) {
    if (!connection->tls) {
        co_await serve_stream(state, connection, *connection->plain);
        co_return;
    }
    auto [ec] = co_await connection->tls->async_handshake(ssl::stream_base::server, kNoThrow);
    if (ec) {
        connection->close();
        co_return;
    }
    co_await serve_stream(state, connection, *connection->tls);
}

template <class ServerState>
asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state) {
    for (;;) {
        auto [ec, socket] = co_await state->acceptor.async_accept(kNoThrow);
        if (ec) {
            co_return;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto connection = std::make_shared<Connection>(state->ioc);
        connection->id = ++state->accepted;
        auto stream = std::make_unique<beast::tcp_stream>(std::move(socket));
        if (state->tls) {
            connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(
                std::move(*stream), *state->tls);
        } else {
            connection->plain = std::move(stream);
        }
        state->connections.push_back(connection);
        asio::co_spawn(state->ioc, serve(state, connection), asio::detached);
    }
}

}  // namespace

FakeHttpServer::FakeHttpServer(asio::io_context& ioc, FakeHandler handler,
                               std::optional<FakeTls> tls)
    : state_(std::make_shared<State>(ioc, std::move(handler))) {
    if (tls) {
        state_->tls.emplace(ssl::context::tls_server);
        state_->tls->use_certificate_chain_file(tls->cert_file);
        state_->tls->use_private_key_file(tls->key_file, ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    asio::co_spawn(ioc, accept_loop(state_), asio::detached);
}

FakeHttpServer::~FakeHttpServer() {
    stop();
}

std::uint16_t FakeHttpServer::port() const {
    return state_->acceptor.local_endpoint().port();
}

std::string FakeHttpServer::origin() const {
    return std::string(state_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

int FakeHttpServer::accepted() const {
    return state_->accepted;
}
int FakeHttpServer::requests() const {
    return state_->requests;
}

void FakeHttpServer::close_idle_connections() {
    for (auto& weak : state_->connections) {
        if (auto connection = weak.lock(); connection && connection->idle) {
            connection->close();
        }
    }
}

void FakeHttpServer::stop() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& weak : state_->connections) {
        if (auto connection = weak.lock()) {
            connection->close();
        }
    }
    state_->connections.clear();
}

std::string dead_origin(asio::io_context& ioc) {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto port = acceptor.local_endpoint().port();
    acceptor.close();
    return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace scagent::testing
