#include "agent/proxy/proxy_loop.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cassert>
#include <system_error>

#include "agent/proxy/idle_deadline.hpp"
#include "agent/proxy/inbound.hpp"
#include "agent/proxy/proxy_error.hpp"
#include "agent/proxy/read_head.hpp"
#include "agent/proxy/request_body.hpp"
#include "agent/proxy/write_now.hpp"
#include "agent/runtime/asio_tokens.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using runtime::kNoThrow;

/// SO_REUSEPORT: every loop binds the same port and the kernel spreads new connections.
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

/// The answer to a request that could not be read, or nullopt to close without one.
std::optional<ProxyError> unreadable_request(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
        return ProxyError{431, "HEADERS_TOO_LARGE", "request headers are too large"};
    }
    if (ec.category() == beast::error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
        return bad_request("malformed request: " + ec.message());
    }
    return std::nullopt;
}

/// Answers a request the proxy could not read (when there is anything to say) before the
/// connection closes.
asio::awaitable<void> answer_unreadable(beast::tcp_stream& stream, beast::error_code ec) {
    if (auto error = unreadable_request(ec)) {
        auto response = error_response(*error, 11, false);
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, response, kNoThrow);
    }
}

}  // namespace

ProxyLoop::ProxyLoop(ProxyShared& shared, std::uint64_t seed)
    : shared_(shared), state_(shared, seed), grace_timer_(ioc_), sweep_timer_(ioc_) {}

ProxyLoop::~ProxyLoop() {
    if (thread_.joinable()) {
        // Not stopped through close()/closed() (a failed start): a safety net only. Every task
        // is cancelled on the loop's own thread and the thread ends once they have, so no
        // coroutine outlives the state it uses.
        asio::post(ioc_, [this] {
            on_close(std::chrono::milliseconds(0));
            grace_timer_.cancel();
            tasks_.cancel();
        });
        thread_.join();
    }
}

tcp::endpoint ProxyLoop::bind(const tcp::endpoint& listen, const ProxyListen& what,
                              bool reuse_port) {
    assert(!thread_.joinable() && "bind() after start(): the loop's sockets are its thread's");
    auto listener = std::make_unique<Listener>(
        Listener{tcp::acceptor(ioc_), what.caller, what.inbound, 0, asio::steady_timer(ioc_)});
    auto& acceptor = listener->acceptor;
    boost::system::error_code ec;
    acceptor.open(listen.protocol(), ec);
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec && reuse_port) {
        acceptor.set_option(ReusePort(true), ec);
    }
    if (!ec) {
        acceptor.bind(listen, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::system_error(ec, "proxy listen " + listen.address().to_string() + ":" +
                                        std::to_string(listen.port()));
    }
    auto bound = acceptor.local_endpoint();
    listeners_.push_back(std::move(listener));
    return bound;
}

void ProxyLoop::start() {
    for (auto& listener : listeners_) {
        tasks_.spawn(ioc_.get_executor(), accept_loop(*listener), "proxy accept");
    }
    tasks_.spawn(ioc_.get_executor(), sweep_loop(), "proxy idle sweep");
    thread_ = std::thread([this] {
        ioc_.run();
        thread_done_.set();
    });
}

void ProxyLoop::close(std::chrono::milliseconds grace) {
    asio::post(ioc_, [this, grace] { on_close(grace); });
}

void ProxyLoop::on_close(std::chrono::milliseconds grace) {
    stopping_ = true;
    sweep_timer_.cancel();
    for (auto& listener : listeners_) {
        boost::system::error_code ignored;
        listener->acceptor.close(ignored);
        listener->room.cancel();
    }
    for (auto& [id, client] : clients_) {
        if (!client.busy) {
            client.stream->cancel();  // waiting for a next request: nothing to finish
        }
    }
    if (clients_.empty()) {
        return;
    }
    grace_timer_.expires_after(grace);
    grace_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            tasks_.cancel();  // the calls still in flight end now
        }
    });
}

void ProxyLoop::hurry() {
    asio::post(ioc_, [this] { tasks_.cancel(); });
}

asio::awaitable<void> ProxyLoop::closed() {
    co_await tasks_.wait();
    // The grace timer is the only work left: without it the loop's run() returns.
    asio::post(ioc_, [this] {
        grace_timer_.cancel();
        state_.pool.close_idle();
    });
    co_await thread_done_.wait();
    if (thread_.joinable()) {
        thread_.join();  // run() has returned: this does not block
    }
}

asio::awaitable<void> ProxyLoop::sweep_loop() {
    // Without it an idle connection is only looked at when its endpoint is used again, which
    // for an instance that went away is never: its sockets would stay open for good.
    const auto period = std::max<std::chrono::milliseconds>(shared_.options.idle_timeout / 2,
                                                            std::chrono::milliseconds(500));
    while (!stopping_) {
        sweep_timer_.expires_after(period);
        auto [ec] = co_await sweep_timer_.async_wait(kNoThrow);
        if (ec || stopping_) {
            co_return;
        }
        if (const auto count = state_.pool.close_expired(); count > 0) {
            spdlog::debug("proxy: closed {} idle upstream connections", count);
        }
    }
}

asio::awaitable<void> ProxyLoop::accept_loop(Listener& listener) {
    for (;;) {
        while (listener.open >= shared_.options.max_connections && !stopping_) {
            // Full: the next clients wait in the backlog until a connection here ends.
            listener.room.expires_at(asio::steady_timer::time_point::max());
            co_await listener.room.async_wait(kNoThrow);
        }
        if (stopping_) {
            co_return;
        }
        auto [ec, socket] = co_await listener.acceptor.async_accept(kNoThrow);
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) {
                co_return;
            }
            // EMFILE and friends: keep the listener; the backlog holds the client meanwhile.
            spdlog::warn("proxy: accept failed: {}", ec.message());
            asio::steady_timer pause(ioc_, std::chrono::milliseconds(50));
            co_await pause.async_wait(kNoThrow);
            continue;
        }
        if (stopping_) {
            co_return;
        }
        socket.set_option(tcp::no_delay(true), ec);
        prepare_for_write_now(socket);
        ++listener.open;
        tasks_.spawn(ioc_.get_executor(), serve(std::move(socket), listener), "proxy call");
    }
}

asio::awaitable<void> ProxyLoop::serve(tcp::socket socket, Listener& listener) {
    struct Counted {
        Listener& listener;
        std::size_t max;
        ~Counted() {
            if (listener.open-- == max) {
                listener.room.cancel();  // the accept loop was waiting for room
            }
        }
    } counted{listener, shared_.options.max_connections};
    const std::string_view caller = listener.caller;
    const InboundTarget* const inbound = listener.inbound ? &*listener.inbound : nullptr;
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    const std::string address = ec ? std::string("unknown") : remote.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    CallBuffers call_buffers;
    const auto id = ++next_client_;
    // A reference into the unordered_map stays valid until its element is erased (by Forget,
    // at the end): no lookup per call.
    auto& self = clients_[id];
    self.stream = &stream;
    struct Forget {
        ProxyLoop& loop;
        std::uint64_t id;
        ~Forget() {
            loop.clients_.erase(id);
            if (loop.stopping_ && loop.clients_.empty()) {
                loop.grace_timer_.cancel();
            }
        }
    } forget{*this, id};

    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    IdleDeadline idle(stream.socket(), shared_.options.client_idle_timeout);
    const auto idle_expired = [&idle] { return idle.expired(); };
    while (!stopping_) {
        http::request_parser<http::empty_body> head_parser;
        head_parser.header_limit(static_cast<std::uint32_t>(shared_.options.max_header_bytes));
        idle.begin_wait();
        const auto head_ec = co_await read_head(stream.socket(), buffer, head_parser, idle_expired);
        idle.end_wait();
        if (head_ec) {
            co_await answer_unreadable(stream, head_ec);
            break;
        }
        const bool expects_continue =
            head_parser.get().version() >= 11 &&
            beast::iequals(head_parser.get()[http::field::expect], "100-continue");
        const auto length = head_parser.content_length();
        const bool streamed = !head_parser.is_done() && (head_parser.chunked() || !length ||
                                                         *length > shared_.options.max_retry_body);
        bool again = false;
        self.busy = true;
        if (streamed) {
            // Too large to keep for a retry: read while it is sent, once.
            stream.expires_after(shared_.options.client_idle_timeout);
            StreamedBody::Parser parser{std::move(head_parser)};
            parser.body_limit(boost::none);
            StreamedBody body(stream, buffer, parser, expects_continue);
            ClientSide side{stream, call_buffers, caller, address, inbound};
            CallRequest call{parser.get(), parser.keep_alive(), {}, &body};
            again = inbound != nullptr ? co_await forward_inbound(shared_, state_, side, call)
                                       : co_await forward_call(shared_, state_, side, call);
        } else {
            http::request_parser<http::string_body> parser{std::move(head_parser)};
            parser.body_limit(shared_.options.max_retry_body);
            beast::error_code read_ec;
            if (!parser.is_done()) {
                stream.expires_after(shared_.options.client_idle_timeout);
                // The body fits: a client waiting for a go-ahead (Expect: 100-continue) gets it.
                if (expects_continue) {
                    auto [ec, n] =
                        co_await asio::async_write(stream, asio::buffer(kContinue), kNoThrow);
                    read_ec = ec;
                }
                if (!read_ec) {
                    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
                    read_ec = ec;
                }
            }
            if (read_ec) {
                self.busy = false;
                co_await answer_unreadable(stream, read_ec);
                break;
            }
            auto& request = parser.get();
            ClientSide side{stream, call_buffers, caller, address, inbound};
            CallRequest call{request, request.keep_alive(), request.body(), nullptr};
            again = inbound != nullptr ? co_await forward_inbound(shared_, state_, side, call)
                                       : co_await forward_call(shared_, state_, side, call);
        }
        self.busy = false;
        if (!again || stopping_) {
            break;
        }
        if (buffer.size() == 0) {
            // The client's next request is seldom there the moment its answer went out, and
            // Asio tries a read before it waits for the socket: at once, that read fails (one
            // wasted recv per call at c32, bench/proxy). After the other ready calls have
            // run, the request has usually arrived.
            co_await asio::post(stream.get_executor(), asio::use_awaitable);
        }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace scagent::proxy
