#include "agent/net/http_client.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "agent/net/connect.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "plugins/api/http_message.hpp"

namespace scagent::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
using plugins::HttpRequest;
using plugins::HttpResponse;

using runtime::kNoThrow;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

using SteadyClock = std::chrono::steady_clock;

// A pooled socket whose peer has closed (or sent unsolicited bytes) must not carry a request:
// for a POST we could not tell whether the server saw it.
bool looks_reusable(tcp::socket& socket) {
    char byte = 0;
    ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// One pooled keep-alive connection, plain or TLS.
struct Connection {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<TlsStream> tls;
    beast::flat_buffer buffer;
    SteadyClock::time_point idle_since{};

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
    void close() {
        error_code ignored;
        lowest().socket().close(ignored);
    }
};

}  // namespace

struct HttpClient::Impl {
    HttpClientOptions options;
    LazyTlsContext tls_context;

    mutable std::mutex mutex;
    std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
    std::uint64_t opened = 0;

    explicit Impl(HttpClientOptions opts)
        : options(std::move(opts)), tls_context(options.tls) {}

    std::unique_ptr<Connection> take_idle(const std::string& key) {
        std::lock_guard lock(mutex);
        auto it = idle.find(key);
        if (it == idle.end()) {
            return nullptr;
        }
        auto& list = it->second;
        auto now = SteadyClock::now();
        while (!list.empty()) {
            auto connection = std::move(list.back());  // most recently used: least likely stale
            list.pop_back();
            if (now - connection->idle_since < options.idle_timeout &&
                looks_reusable(connection->lowest().socket())) {
                return connection;
            }
            connection->close();
        }
        return nullptr;
    }

    void put_idle(const std::string& key, std::unique_ptr<Connection> connection) {
        connection->lowest().expires_never();
        connection->idle_since = SteadyClock::now();
        std::lock_guard lock(mutex);
        auto& list = idle[key];
        if (list.size() >= options.max_idle_per_origin) {
            list.front()->close();
            list.erase(list.begin());
        }
        list.push_back(std::move(connection));
    }

    asio::awaitable<TransportResult<std::unique_ptr<Connection>>> connect(const Origin& origin,
                                                                          Deadline deadline) {
        auto connection = std::make_unique<Connection>();
        if (origin.tls) {
            auto stream = co_await connect_tls(origin, tls_context.get(), options.tls.verify, deadline);
            if (!stream) {
                co_return stream.error();
            }
            connection->tls = std::make_unique<TlsStream>(std::move(*stream));
        } else {
            auto stream = co_await connect_plain(origin, deadline);
            if (!stream) {
                co_return stream.error();
            }
            connection->plain = std::make_unique<beast::tcp_stream>(std::move(*stream));
        }
        {
            std::lock_guard lock(mutex);
            ++opened;
        }
        co_return connection;
    }

    template <class Stream>
    asio::awaitable<error_code> exchange(Stream& stream, beast::flat_buffer& buffer,
                                         http::request<http::string_body>& request,
                                         http::response_parser<http::string_body>& parser) {
        auto [write_error, written] = co_await http::async_write(stream, request, kNoThrow);
        if (write_error) {
            co_return write_error;
        }
        auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
        co_return read_error;
    }

    http::request<http::string_body> to_beast(const HttpRequest& in, const Origin& origin) {
        http::request<http::string_body> out;
        http::verb verb = http::string_to_verb(in.method);
        if (verb == http::verb::unknown) {
            out.method_string(in.method);
        } else {
            out.method(verb);
        }
        out.target(in.target);
        out.version(11);
        for (const auto& [name, value] : in.headers) {
            out.insert(name, value);
        }
        out.set(http::field::host, origin.host_header());
        if (out.find(http::field::user_agent) == out.end()) {
            out.set(http::field::user_agent, options.user_agent);
        }
        out.body() = in.body;
        out.keep_alive(true);
        out.prepare_payload();
        return out;
    }

    asio::awaitable<HttpResult> send(HttpRequest request, Deadline deadline) {
        Origin origin = parse_origin(request.origin);
        if (!origin.valid) {
            co_return make_transport_error(TransportErrorKind::network,
                                           "invalid origin '" + request.origin + "'", "");
        }
        auto beast_request = to_beast(request, origin);
        const std::string key = origin.key();

        // At most two attempts: a reused connection, then (only if it failed before any
        // response byte and the request is idempotent) a fresh one.
        for (int attempt = 0;; ++attempt) {
            if (SteadyClock::now() >= deadline) {
                co_return make_transport_error(TransportErrorKind::timeout, "deadline passed",
                                               origin.key());
            }
            std::unique_ptr<Connection> connection = attempt == 0 ? take_idle(key) : nullptr;
            const bool reused = connection != nullptr;
            if (!connection) {
                auto fresh = co_await connect(origin, deadline);
                if (!fresh) {
                    co_return fresh.error();
                }
                connection = std::move(*fresh);
            }
            connection->lowest().expires_at(deadline);

            http::response_parser<http::string_body> parser;
            parser.body_limit(options.max_response_bytes);
            parser.header_limit(kMaxHeaderBytes);
            // if/else, not ?: around co_await: GCC 12 mishandles conditional expressions there.
            error_code ec;
            if (connection->tls) {
                ec = co_await exchange(*connection->tls, connection->buffer, beast_request, parser);
            } else {
                ec = co_await exchange(*connection->plain, connection->buffer, beast_request,
                                       parser);
            }
            if (ec) {
                connection->close();
                if (reused && request.idempotent && !parser.got_some() &&
                    ec != beast::error::timeout) {
                    continue;
                }
                co_return classify(ec, "exchange", origin.key());
            }

            auto message = parser.release();
            HttpResponse response;
            response.status = static_cast<int>(message.result_int());
            for (const auto& field : message) {
                response.headers.emplace_back(std::string(field.name_string()),
                                              std::string(field.value()));
            }
            response.body = std::move(message.body());
            if (message.keep_alive() && connection->buffer.size() == 0) {
                put_idle(key, std::move(connection));
            } else {
                connection->close();
            }
            co_return response;
        }
    }

    void close_all() {
        std::lock_guard lock(mutex);
        for (auto& [key, list] : idle) {
            for (auto& connection : list) {
                connection->close();
            }
        }
        idle.clear();
    }
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() {
    impl_->close_all();
}

boost::asio::awaitable<HttpResult> HttpClient::send(plugins::HttpRequest request,
                                                    Deadline deadline) {
    return impl_->send(std::move(request), deadline);
}

void HttpClient::close_idle() {
    impl_->close_all();
}

std::size_t HttpClient::idle_connections() const {
    std::lock_guard lock(impl_->mutex);
    std::size_t count = 0;
    for (const auto& [key, list] : impl_->idle) {
        count += list.size();
    }
    return count;
}

std::uint64_t HttpClient::connections_opened() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->opened;
}

}  // namespace scagent::net
