#include "agent/proxy/attempt.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <memory>
#include <span>

#include "agent/proxy/forward_headers.hpp"
#include "agent/proxy/message_head.hpp"
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
using runtime::kNoThrow;

/// A body up to this size is copied behind the answer's head so both go out in one buffer.
constexpr std::size_t kJoinedBody = 4 * 1024;

/// An answer head above this is refused (as Beast's default 8 KiB would too, but later).
constexpr std::uint32_t kMaxAnswerHeader = 64 * 1024;

/// A try's time limit: one timer for the whole try that cancels the upstream socket's pending
/// operation when it fires. Cheaper than the stream's own expiry, which arms and cancels a timer
/// around every read and write (a timerfd update each); the try always has an operation pending
/// when the loop can run the timer's handler.
class TryDeadline {
  public:
    TryDeadline(UpstreamConnection& connection, std::chrono::milliseconds limit)
        : timer_(connection.stream.get_executor()), state_(std::make_shared<State>()) {
        timer_.expires_after(limit);
        timer_.async_wait([state = state_, socket = &connection.stream.socket()](
                              const boost::system::error_code& ec) {
            // `armed` is false once the try ended: the connection may be gone by then.
            if (!ec && state->armed) {
                state->fired = true;
                boost::system::error_code ignored;
                socket->cancel(ignored);
            }
        });
    }
    ~TryDeadline() {
        state_->armed = false;
        timer_.cancel();
    }
    TryDeadline(const TryDeadline&) = delete;
    TryDeadline& operator=(const TryDeadline&) = delete;

    bool fired() const noexcept { return state_->fired; }

  private:
    struct State {
        bool armed = true;
        bool fired = false;
    };
    asio::steady_timer timer_;
    std::shared_ptr<State> state_;
};

}  // namespace

bool idempotent(http::verb method) {
    switch (method) {
        case http::verb::get:
        case http::verb::head:
        case http::verb::options:
        case http::verb::put:
        case http::verb::delete_:
        case http::verb::trace:
            return true;
        default:
            return false;
    }
}

void frame_for_upstream(CallRequest& call) {
    auto& request = call.head;
    const auto method = request.method();
    request.erase(http::field::expect);
    request.version(11);  // keep-alive by default: no Connection field needed
    if (call.streamed_body != nullptr && call.streamed_body->chunked()) {
        request.set(http::field::transfer_encoding, "chunked");  // the length is not known
    } else if (call.streamed_body == nullptr) {
        const bool expects_body =
            method == http::verb::post || method == http::verb::put || method == http::verb::patch;
        if (!call.buffered_body.empty() || expects_body) {
            request.set(http::field::content_length, std::to_string(call.buffered_body.size()));
        } else {
            request.erase(http::field::content_length);
        }
    }
}

plugins::RequestView governance_view(const http::request_header<>& request, std::string_view target,
                                     std::string service_name,
                                     const plugins::governance::GovernanceSnapshot* snapshot) {
    plugins::RequestView view;
    view.method = std::string(request.method_string());
    view.path = std::string(target.substr(0, target.find('?')));
    view.service_name = std::move(service_name);
    if (snapshot != nullptr && snapshot->reads_headers()) {
        for (const auto& field : static_cast<const http::fields&>(request)) {
            view.headers.emplace(std::string(field.name_string()), std::string(field.value()));
        }
    }
    return view;
}

plugins::governance::CallOutcome call_outcome(bool relayed, const AttemptResult& last,
                                              std::chrono::nanoseconds elapsed) {
    plugins::governance::CallOutcome outcome;
    outcome.latency = elapsed;
    if (relayed && last.ended != Ended::kBrokenAnswer) {
        outcome.status = static_cast<int>(last.status);
    } else {
        outcome.transport_error = true;
    }
    return outcome;
}

asio::awaitable<bool> finish_call(const ProxyShared& shared, LoopState& loop, ClientSide& client,
                                  ServiceMeters::Meters& meters, Admission& admission, CallEnd end,
                                  plugins::Clock::TimePoint started, unsigned version,
                                  bool keep_alive, AccessEntry entry) {
    unsigned status = end.last.status;
    bool client_ok = end.client_ok;
    if (end.failure) {
        status = end.failure->status;
        client_ok = co_await write_error(client.stream, *end.failure, version, keep_alive);
    }
    const auto elapsed = shared.clock.now() - started;
    if (end.attempts > 0) {
        admission.record(call_outcome(end.relayed, end.last, elapsed));
    }
    loop.meters.count_request(meters, status);
    meters.duration->Observe(std::chrono::duration<double>(elapsed).count());
    if (shared.access_log) {
        entry.status = status;
        entry.attempts = end.attempts;
        entry.elapsed = elapsed;
        log_access(*shared.access_log, entry);
    }
    co_return client_ok&& keep_alive;
}

asio::awaitable<bool> write_error(beast::tcp_stream& client, const ProxyError& error,
                                  unsigned version, bool keep_alive) {
    auto response = error_response(error, version, keep_alive);
    client.expires_after(std::chrono::seconds(10));  // a client that does not read is let go
    auto [ec, n] = co_await http::async_write(client, response, kNoThrow);
    co_return !ec;
}

/// A new pooled connection for `target` (its own coroutine, as pass_on_body()).
asio::awaitable<Acquired> open_connection(UpstreamPool& pool, const AttemptTarget& target) {
    std::string host(target.host);
    co_return co_await pool.acquire(std::move(host), target.port, target.connections,
                                    target.fresh_connection);
}

/// A streamed request body, from the client to the upstream (its own coroutine: the rare
/// path's state stays out of every attempt's frame).
asio::awaitable<StreamedBody::Ended> pass_on_body(StreamedBody& body, UpstreamConnection& to,
                                                  ClientSide& client, const ProxyShared& shared) {
    co_return co_await body.pass_on(to.stream, client.buffers.body,
                                    shared.options.client_idle_timeout);
}

asio::awaitable<Attempt> attempt_call(LoopState& loop, const ProxyShared& shared,
                                      ClientSide& client, CallRequest& call, AttemptTarget target,
                                      std::optional<AnswerParser>& parser) {
    Attempt attempt;
    auto& result = attempt.result;
    auto& connection = attempt.connection;
    auto& request = call.head;
    StreamedBody* const streamed = call.streamed_body;
    const bool head_request = request.method() == http::verb::head;
    const auto try_timeout = target.try_timeout;

    Acquired acquired;
    acquired.connection = loop.pool.take_idle(target.host, target.port, target.fresh_connection);
    if (!acquired.connection) {
        acquired = co_await open_connection(loop.pool, target);
    }
    if (acquired.at_capacity) {
        result = {Ended::kAtCapacity, 0, false, "at capacity"};
        co_return attempt;
    }
    if (!acquired.connection) {
        result = {Ended::kConnectFailed, 0, false, "connect"};
        if (acquired.error && acquired.error->kind == net::TransportErrorKind::timeout) {
            result.reason = "connect timeout";
        }
        co_return attempt;
    }
    connection = std::move(acquired.connection);
    connection->stream.expires_never();
    // A streamed body's upload has its own idle limits; the try's limit then runs from its end.
    std::optional<TryDeadline> deadline;
    if (try_timeout.count() > 0 && streamed == nullptr) {
        deadline.emplace(*connection, try_timeout);
    }
    const auto deadline_fired = [&deadline] { return deadline && deadline->fired(); };
    const auto timed_out = [&](const boost::system::error_code& ec) {
        return ec == beast::error::timeout || (deadline && deadline->fired());
    };
    auto& head = client.buffers.head;
    head.clear();
    append_request_head(request, target.request_target, target.host_field, call.added_fields, head);
    const std::array<asio::const_buffer, 2> message{asio::buffer(head),
                                                    asio::buffer(call.buffered_body)};
    const auto message_size = head.size() + call.buffered_body.size();
    const auto sent = call.buffered_body.empty()
                          ? write_now(connection->stream.socket(), asio::buffer(head))
                          : write_now(connection->stream.socket(), message);
    boost::system::error_code write_ec;
    if (sent < message_size) {
        write_ec = co_await write_rest(connection->stream, message, sent);
    }
    if (!write_ec && streamed != nullptr) {
        const auto passed = co_await pass_on_body(*streamed, *connection, client, shared);
        if (passed == StreamedBody::Ended::kClientFailed) {
            // Nobody to answer: the upstream got half a request, so it goes too.
            loop.pool.discard(std::move(connection));
            attempt.client_failed = true;
            result = {Ended::kClientGone, 0, false, "client"};
            co_return attempt;
        }
        if (passed == StreamedBody::Ended::kUpstreamFailed) {
            write_ec = boost::asio::error::connection_reset;
        } else {
            connection->stream.expires_never();
            if (try_timeout.count() > 0) {
                deadline.emplace(*connection, try_timeout);
            }
        }
    }
    if (write_ec) {
        result = {timed_out(write_ec) ? Ended::kTimedOut : Ended::kNoAnswer, 0, connection->reused,
                  "reset"};
        co_return attempt;
    }
    boost::system::error_code read_ec;
    // Interim answers (100 Continue, 103 Early Hints) are read past: the client gets the
    // final one.
    do {
        parser.emplace(client.buffers.answer_fields,
                       shared.access_log != nullptr && client.inbound == nullptr);
        parser->body_limit(boost::none);
        parser->header_limit(kMaxAnswerHeader);
        parser->skip(head_request);
        // Bounded by the try's deadline (or by nothing, as the policy says), not by the stream.
        read_ec = co_await read_head(connection->stream.socket(), connection->buffer, *parser,
                                     deadline_fired);
    } while (!read_ec && parser->status() / 100 == 1 && parser->status() != 101);
    if (read_ec && timed_out(read_ec)) {
        result = {Ended::kTimedOut, 0, false, "timeout"};
    } else if (read_ec) {
        result = {Ended::kNoAnswer, 0, connection->reused && !parser->got_some(), "reset"};
    } else {
        result = {Ended::kAnswered, parser->status(), false, {}};
    }
    co_return attempt;
}

/// Streams the answer whose head `parser` holds from the upstream to the client: the head
/// goes out with the first body bytes, each later read with one write (re-framed as chunks
/// when the client's connection must stay open and the upstream gave no length).
asio::awaitable<AttemptResult> relay_answer(UpstreamConnection& upstream, AnswerParser& parser,
                                            ClientSide& client, std::string_view instance_id,
                                            const ProxyShared& shared, unsigned version,
                                            bool keep_alive, bool head_request) {
    AttemptResult result{Ended::kAnswered, parser.status(), false, {}};
    parser.eager(true);  // past the head: parse all the body bytes at hand in one go
    const auto content_length = parser.content_length();
    const bool bodiless =
        head_request || result.status / 100 == 1 || result.status == 204 || result.status == 304;
    bool chunked = false;
    if (!content_length && !bodiless && version >= 11) {
        // Close-delimited or chunked upstream: chunked toward the client keeps its connection.
        chunked = true;
    } else if (!content_length && !bodiless) {
        // An HTTP/1.0 client knows no chunks: the close marks the end.
        result.close_client = true;
    }
    const bool client_keep_alive = keep_alive && !result.close_client;

    // The head: the client's version (whatever the provider spoke), the provider's status and
    // fields as the parser kept them, then the proxy's own framing.
    auto& head = client.buffers.head;
    auto& chunk = client.buffers.body;
    head.clear();
    append_status_line(version, result.status, parser.reason(), head);
    head.append(parser.field_lines());
    if (shared.access_log && !instance_id.empty()) {
        head.append("X-Sc-Instance: ").append(instance_id).append("\r\n");
    }
    if (content_length) {
        append_content_length(*content_length, head);
    } else if (chunked) {
        head.append("Transfer-Encoding: chunked\r\n");
    }
    if (version >= 11 && !client_keep_alive) {
        head.append("Connection: close\r\n");
    } else if (version < 11 && client_keep_alive) {
        head.append("Connection: keep-alive\r\n");
    }
    head.append("\r\n");
    const std::size_t head_size = head.size();
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    bool head_sent = false;
    bool last_chunk_sent = !chunked;
    do {
        std::size_t got = 0;
        if (!parser.is_done()) {
            parser.body_window(chunk.data(), chunk.size());
            beast::error_code ec;
            if (upstream.buffer.size() > 0) {
                // Body bytes that came with the head (a small answer: all of it) are parsed
                // here, without an asynchronous read that would find them in the buffer anyway.
                upstream.buffer.consume(parser.put(upstream.buffer.data(), ec));
            }
            if ((!ec || ec == http::error::need_more) && parser.body_room() == chunk.size() &&
                !parser.is_done()) {
                upstream.stream.expires_after(shared.options.client_idle_timeout);
                // Whatever arrived goes on at once (server-sent events, long polls): no
                // waiting for a full chunk.
                auto [read_ec, n] = co_await http::async_read_some(upstream.stream, upstream.buffer,
                                                                   parser, kNoThrow);
                ec = read_ec;
            }
            if (ec == http::error::need_buffer || ec == http::error::need_more) {
                ec = {};
            }
            if (ec) {
                result.ended = Ended::kBrokenAnswer;
                result.reason = "reset";
                co_return result;
            }
            got = chunk.size() - parser.body_room();
        }
        // head | chunk size line | bytes | CRLF | last chunk
        std::array<asio::const_buffer, 5> out;
        std::size_t parts = 0;
        head.resize(head_size);
        if (chunked && got > 0) {
            append_chunk_size(got, head);
        }
        if (!head_sent && !chunked && got > 0 && got <= kJoinedBody) {
            // A small answer goes out as one buffer: one plain send() instead of a sendmsg().
            head.append(chunk.data(), got);
            got = 0;
        }
        const std::string_view prefix = std::string_view(head).substr(head_sent ? head_size : 0);
        if (!prefix.empty()) {
            out[parts++] = asio::buffer(prefix);
        }
        if (got > 0) {
            out[parts++] = asio::buffer(chunk.data(), got);
            if (chunked) {
                out[parts++] = asio::buffer(kCrlf);
            }
        }
        if (parser.is_done() && !last_chunk_sent) {
            out[parts++] = asio::buffer(kLastChunk);
            last_chunk_sent = true;
        }
        if (parts == 0) {
            continue;  // only framing arrived (a chunk header): nothing to pass on yet
        }
        const std::span<const asio::const_buffer> message(out.data(), parts);
        const auto sent = parts == 1 ? write_now(client.stream.socket(), out[0])
                                     : write_now(client.stream.socket(), message);
        boost::system::error_code ec;
        if (sent < asio::buffer_size(message)) {
            client.stream.expires_after(shared.options.client_idle_timeout);
            ec = co_await write_rest(client.stream, message, sent);
        }
        if (ec) {
            result.ended = Ended::kClientGone;
            result.reason = "client";
            co_return result;
        }
        head_sent = true;
    } while (!parser.is_done());
    co_return result;
}

}  // namespace scagent::proxy
