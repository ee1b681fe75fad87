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
#include "agent/proxy/request_body.hpp"
#include "agent/runtime/asio_tokens.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using runtime::kNoThrow;

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
    auto [ec, n] = co_await http::async_write(client, response, kNoThrow);
    co_return !ec;
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

    auto acquired = co_await loop.pool.acquire(std::move(target.host), target.port,
                                               target.connections, target.fresh_connection);
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
    const auto timed_out = [&](const boost::system::error_code& ec) {
        return ec == beast::error::timeout || (deadline && deadline->fired());
    };
    auto& head = client.buffers.head;
    head.clear();
    append_request_head(request, head);
    const std::array<asio::const_buffer, 2> message{asio::buffer(head),
                                                    asio::buffer(call.buffered_body)};
    auto [write_ec, written] = co_await asio::async_write(connection->stream, message, kNoThrow);
    if (!write_ec && streamed != nullptr) {
        const auto idle = shared.options.client_idle_timeout;
        const auto passed =
            co_await streamed->pass_on(connection->stream, client.buffers.body, idle);
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
        parser.emplace();
        parser->body_limit(boost::none);
        parser->header_limit(kMaxAnswerHeader);
        parser->skip(head_request);
        auto [ec, read] = co_await http::async_read_header(connection->stream, connection->buffer,
                                                           *parser, kNoThrow);
        read_ec = ec;
    } while (!read_ec && parser->get().result_int() / 100 == 1 &&
             parser->get().result_int() != 101);
    if (read_ec && timed_out(read_ec)) {
        result = {Ended::kTimedOut, 0, false, "timeout"};
    } else if (read_ec) {
        result = {Ended::kNoAnswer, 0, connection->reused && !parser->got_some(), "reset"};
    } else {
        result = {Ended::kAnswered, parser->get().result_int(), false, {}};
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
    AttemptResult result{Ended::kAnswered, parser.get().result_int(), false, {}};
    auto& message = parser.get();
    const auto content_length = parser.content_length();
    remove_hop_by_hop(message.base());
    message.erase("X-Sc-Agent-Error");  // only the agent's own answers carry it
    if (shared.access_log && !instance_id.empty()) {
        message.set("X-Sc-Instance", instance_id);
    }
    const bool bodiless =
        head_request || result.status / 100 == 1 || result.status == 204 || result.status == 304;
    bool chunked = false;
    if (content_length) {
        message.content_length(*content_length);
    } else if (!bodiless && version >= 11) {
        // Close-delimited or chunked upstream: chunked toward the client keeps its connection.
        message.chunked(true);
        chunked = true;
    } else if (!bodiless) {
        // An HTTP/1.0 client knows no chunks: the close marks the end.
        result.close_client = true;
    }
    message.version(version);  // the client's, whatever the provider spoke
    message.keep_alive(keep_alive && !result.close_client);

    auto& head = client.buffers.head;
    auto& chunk = client.buffers.body;
    head.clear();
    append_response_head(message.base(), head);
    const std::size_t head_size = head.size();
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    auto& body = message.body();
    bool head_sent = false;
    bool last_chunk_sent = !chunked;
    do {
        std::size_t got = 0;
        if (!parser.is_done()) {
            body.data = chunk.data();
            body.size = chunk.size();
            upstream.stream.expires_after(shared.options.client_idle_timeout);
            // Whatever arrived goes on at once (server-sent events, long polls): no waiting
            // for a full chunk.
            auto [ec, n] =
                co_await http::async_read_some(upstream.stream, upstream.buffer, parser, kNoThrow);
            if (ec == http::error::need_buffer) {
                ec = {};
            }
            if (ec) {
                result.ended = Ended::kBrokenAnswer;
                result.reason = "reset";
                co_return result;
            }
            got = chunk.size() - body.size;
        }
        // head | chunk size line | bytes | CRLF | last chunk
        std::array<asio::const_buffer, 5> out;
        std::size_t parts = 0;
        head.resize(head_size);
        if (chunked && got > 0) {
            append_chunk_size(got, head);
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
        client.stream.expires_after(shared.options.client_idle_timeout);
        auto [ec, n] = co_await asio::async_write(
            client.stream, std::span<const asio::const_buffer>(out.data(), parts), kNoThrow);
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
