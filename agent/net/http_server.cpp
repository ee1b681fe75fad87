#include "agent/net/http_server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "agent/net/websocket_connection.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/task_group.hpp"
#include "config/integer.hpp"

namespace scagent::net {

using tcp = asio::ip::tcp;

namespace {

using runtime::kNoThrow;

HttpResponse plain_error(http::status status, std::string_view text) {
    HttpResponse res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=UTF-8");
    res.body() = std::string(text) + "\n";
    res.keep_alive(false);
    res.prepare_payload();
    return res;
}

bool is_quiet_close(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::operation_aborted || ec == beast::error::timeout ||
           ec == asio::error::connection_reset || ec == asio::error::bad_descriptor ||
           ec == http::error::partial_message;
}

}  // namespace

/// Shared by the acceptor and every connection coroutine, so the server object may go first.
struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
    struct Connection {
        std::function<void()> close;  // posts a socket close to the connection's strand
        bool busy = false;            // a request is being read, handled or answered
    };

    State(asio::io_context& io, HttpServerOptions opts, HttpHandler h)
        : ioc(io),
          options(std::move(opts)),
          handler(std::move(h)),
          strand(asio::make_strand(io)),
          acceptor(strand),
          grace_timer(strand),
          room_timer(strand) {}

    asio::io_context& ioc;
    const HttpServerOptions options;
    const HttpHandler handler;
    asio::strand<asio::io_context::executor_type> strand;
    tcp::acceptor acceptor;          // used on `strand` only
    asio::steady_timer grace_timer;  // used on `strand` only
    /// The accept loop waits on it while max_connections are open; a closing connection at
    /// the limit cancels it. Used on `strand` only.
    asio::steady_timer room_timer;
    std::atomic<std::size_t> open{0};  ///< accepted connections not yet ended
    runtime::TaskGroup tasks;          // the accept loop and every connection

    mutable std::mutex mutex;  // guards the members below
    tcp::endpoint bound;
    bool stopping = false;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, Connection> connections;

    /// Returns 0 when the server is stopping and the connection must not start.
    std::uint64_t add(std::function<void()> close) {
        std::lock_guard lock(mutex);
        if (stopping) {
            return 0;
        }
        connections.emplace(++next_id, Connection{std::move(close), false});
        return next_id;
    }
    void remove(std::uint64_t id) {
        std::lock_guard lock(mutex);
        connections.erase(id);
        if (stopping && connections.empty()) {
            // The last connection is gone: the grace timer need not hold the io_context.
            asio::post(strand, [self = shared_from_this()] { self->grace_timer.cancel(); });
        }
    }
    /// Marks busy/idle; false means "stopping: close after this response".
    bool set_busy(std::uint64_t id, bool busy) {
        std::lock_guard lock(mutex);
        if (auto it = connections.find(id); it != connections.end()) {
            it->second.busy = busy;
        }
        return !stopping;
    }
    void set_close(std::uint64_t id, std::function<void()> close) {
        std::lock_guard lock(mutex);
        if (auto it = connections.find(id); it != connections.end()) {
            it->second.close = std::move(close);
            it->second.busy = false;  // an upgraded connection is never waited for at stop
        }
    }
    bool is_stopping() const {
        std::lock_guard lock(mutex);
        return stopping;
    }

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> run_connection(tcp::socket socket);
    asio::awaitable<void> run_websocket(std::uint64_t id, beast::tcp_stream stream,
                                        const HttpRequest& req, const WebSocketHandler& handler);
    void begin_stop(std::chrono::milliseconds grace);
};

asio::awaitable<void> HttpServer::State::accept_loop() {
    auto self = shared_from_this();
    asio::steady_timer backoff(strand);
    for (;;) {
        while (open.load() >= options.max_connections && acceptor.is_open()) {
            // Full: leave the next clients in the backlog (the kernel holds them) until a
            // connection ends. A close between the check and the wait posts its cancel to this
            // strand, so it lands after the wait has begun.
            room_timer.expires_at(asio::steady_timer::time_point::max());
            co_await room_timer.async_wait(kNoThrow);  // cancelled: room, or the stop
            if (!acceptor.is_open()) {
                co_return;
            }
        }
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kNoThrow);
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) {
            co_return;
        }
        if (ec) {
            // Out of descriptors and the like: pause instead of spinning on the error.
            spdlog::warn("http server {}: accept failed: {}", options.listen, ec.message());
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(kNoThrow);
            continue;
        }
        auto executor = socket.get_executor();
        ++open;
        tasks.spawn(executor, self->run_connection(std::move(socket)), "http connection");
    }
}

asio::awaitable<void> HttpServer::State::run_connection(tcp::socket socket) {
    auto self = shared_from_this();
    struct Counted {
        State& state;
        ~Counted() {
            if (state.open.fetch_sub(1) == state.options.max_connections) {
                asio::post(state.strand,
                           [self = state.shared_from_this()] { self->room_timer.cancel(); });
            }
        }
    } counted{*this};
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    std::weak_ptr<beast::tcp_stream> weak = stream;
    auto executor = stream->get_executor();
    const auto id = add([weak, executor] {
        asio::post(executor, [weak] {
            if (auto s = weak.lock()) {
                beast::error_code ignored;
                s->socket().close(ignored);
            }
        });
    });
    if (id == 0) {
        co_return;
    }
    struct Remover {
        State* state;
        std::uint64_t id;
        ~Remover() { state->remove(id); }
    } remover{this, id};

    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(options.max_body_bytes);
        stream->expires_after(options.read_timeout);
        auto [hec, hn] = co_await http::async_read_header(*stream, buffer, parser, kNoThrow);
        std::optional<HttpResponse> early;
        if (hec == http::error::body_limit) {
            // A Content-Length over the limit is refused at header time.
            early = plain_error(http::status::payload_too_large, "request body too large");
        } else if (hec == http::error::header_limit) {
            early = plain_error(http::status::request_header_fields_too_large, "header too large");
        } else if (hec) {
            if (!is_quiet_close(hec)) {
                early = plain_error(http::status::bad_request, "bad request");
            } else {
                break;
            }
        }
        set_busy(id, true);
        if (!early) {
            const auto length = parser.content_length();
            if (length && *length > options.max_body_bytes) {
                early = plain_error(http::status::payload_too_large, "request body too large");
            }
        }
        if (!early && parser.get()[http::field::expect] == "100-continue") {
            http::response<http::empty_body> cont{http::status::continue_, 11};
            auto [cec, cn] = co_await http::async_write(*stream, cont, kNoThrow);
            if (cec) {
                break;
            }
        }
        if (!early && !parser.is_done()) {
            auto [bec, bn] = co_await http::async_read(*stream, buffer, parser, kNoThrow);
            if (bec == http::error::body_limit) {
                early = plain_error(http::status::payload_too_large, "request body too large");
            } else if (bec) {
                if (is_quiet_close(bec)) {
                    break;
                }
                early = plain_error(http::status::bad_request, "bad request body");
            }
        }
        if (early) {
            stream->expires_after(options.write_timeout);
            co_await http::async_write(*stream, *early, kNoThrow);
            // Closing with unread input makes the kernel send RST, which can destroy the
            // response before the client reads it: stop sending, then drain for a while.
            beast::error_code ignored;
            stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
            stream->expires_after(std::chrono::seconds(1));
            std::array<char, 16 * 1024> sink{};
            for (std::size_t drained = 0; drained < 8 * options.max_body_bytes;) {
                auto [dec, n] = co_await stream->async_read_some(asio::buffer(sink), kNoThrow);
                if (dec) {
                    break;
                }
                drained += n;
            }
            break;
        }

        HttpRequest req = parser.release();
        HttpReply reply;
        bool failed = false;
        try {
            reply = co_await handler(req);
        } catch (const std::exception& e) {
            if (runtime::is_cancellation(std::current_exception())) {
                break;  // the server is stopping past its grace
            }
            spdlog::error("http server {}: {} {}: handler threw: {}", options.listen,
                          std::string(req.method_string()), std::string(req.target()), e.what());
            failed = true;
        } catch (...) {
            spdlog::error("http server {}: handler threw a non-exception", options.listen);
            failed = true;
        }
        if (failed) {
            reply = HttpReply(
                plain_error(http::status::internal_server_error, "internal server error"));
        }
        if (reply.websocket && is_websocket_upgrade(req)) {
            stream->expires_never();
            co_await run_websocket(id, std::move(*stream), req, reply.websocket);
            co_return;
        }
        const bool keep_alive = req.keep_alive() && reply.response.keep_alive() && !is_stopping();
        reply.response.version(req.version());
        reply.response.keep_alive(keep_alive);
        reply.response.prepare_payload();
        stream->expires_after(options.write_timeout);
        auto [wec, wn] = co_await http::async_write(*stream, reply.response, kNoThrow);
        if (wec || !keep_alive || !set_busy(id, false)) {
            break;
        }
    }
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream->close();
}

asio::awaitable<void> HttpServer::State::run_websocket(std::uint64_t id, beast::tcp_stream stream,
                                                       const HttpRequest& req,
                                                       const WebSocketHandler& handler) {
    auto ws = std::make_shared<WebSocketConnection>(std::move(stream), options.ws_idle_timeout);
    std::weak_ptr<WebSocketConnection> weak = ws;
    auto executor = ws->get_executor();
    set_close(id, [weak, executor] {
        asio::post(executor, [weak] {
            if (auto w = weak.lock()) {
                w->cancel();
            }
        });
    });
    if (is_stopping()) {
        co_return;
    }
    if (auto ec = co_await ws->accept(req); ec) {
        co_return;
    }
    try {
        co_await handler(ws);
    } catch (const std::exception& e) {
        spdlog::error("http server {}: websocket handler threw: {}", options.listen, e.what());
    }
    ws->cancel();
}

void HttpServer::State::begin_stop(std::chrono::milliseconds grace) {
    std::vector<std::function<void()>> idle;
    {
        std::lock_guard lock(mutex);
        if (stopping) {
            return;
        }
        stopping = true;
        for (auto& [id, c] : connections) {
            if (!c.busy) {
                idle.push_back(c.close);
            }
        }
    }
    beast::error_code ignored;
    acceptor.close(ignored);
    room_timer.cancel();  // an accept loop waiting for room ends too
    for (auto& close : idle) {
        close();
    }
    grace_timer.expires_after(grace);
    grace_timer.async_wait([self = shared_from_this()](beast::error_code) {
        std::vector<std::function<void()>> rest;
        {
            std::lock_guard lock(self->mutex);
            for (auto& [id, c] : self->connections) {
                rest.push_back(c.close);
            }
        }
        for (auto& close : rest) {
            close();
        }
        // A handler still waiting on something (not on its socket) is cancelled.
        self->tasks.cancel();
    });
    std::lock_guard lock(mutex);
    if (connections.empty()) {
        grace_timer.cancel();
    }
}

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpHandler handler)
    : state_(std::make_shared<State>(ioc, std::move(options), std::move(handler))) {}

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpRouter& router)
    : HttpServer(ioc, std::move(options), router_handler(router)) {}

HttpServer::~HttpServer() {
    asio::post(state_->strand,
               [state = state_] { state->begin_stop(std::chrono::milliseconds(0)); });
}

void HttpServer::start() {
    auto& s = *state_;
    const auto endpoint = resolve_listen_address(s.ioc, s.options.listen);
    try {
        s.acceptor.open(endpoint.protocol());
        s.acceptor.set_option(tcp::acceptor::reuse_address(true));
        s.acceptor.bind(endpoint);
        s.acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
        throw std::system_error(e.code(), "listen on " + s.options.listen);
    }
    {
        std::lock_guard lock(s.mutex);
        s.bound = s.acceptor.local_endpoint();
    }
    s.tasks.spawn(s.strand, s.accept_loop(), "http accept " + s.options.listen);
}

void HttpServer::close(std::chrono::milliseconds grace) {
    asio::post(state_->strand, [state = state_, grace] { state->begin_stop(grace); });
}

asio::awaitable<void> HttpServer::closed() {
    auto state = state_;  // the server object may go while this waits
    co_await state->tasks.wait();
}

asio::awaitable<void> HttpServer::stop(std::chrono::milliseconds grace) {
    close(grace);
    co_await closed();
}

void HttpServer::hurry() {
    asio::post(state_->strand, [state = state_] { state->grace_timer.cancel(); });
}

tcp::endpoint HttpServer::local_endpoint() const {
    std::lock_guard lock(state_->mutex);
    return state_->bound;
}

std::size_t HttpServer::connection_count() const {
    std::lock_guard lock(state_->mutex);
    return state_->connections.size();
}

tcp::endpoint resolve_listen_address(asio::io_context& ioc, const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("listen address '" + listen + "' is not host:port");
    }
    std::string host = listen.substr(0, colon);
    const std::string port = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) {
        // Host-less ":30102" is loopback: exposing a port to the network takes an explicit
        // address such as 0.0.0.0, never an omission.
        host = "127.0.0.1";
    }
    std::uint16_t port_number = 0;
    if (port.empty() || port.front() == '+' ||
        config::parse_integer(port, port_number) != std::errc()) {
        throw std::invalid_argument("listen address '" + listen + "' has a bad port");
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        return {address, static_cast<std::uint16_t>(port_number)};
    }
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty()) {
        throw std::invalid_argument("listen address '" + listen + "': cannot resolve host");
    }
    return results.begin()->endpoint();
}

}  // namespace scagent::net
