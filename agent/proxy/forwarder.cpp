#include "agent/proxy/forwarder.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <span>
#include <variant>

#include "agent/discovery/discovery.hpp"
#include "agent/proxy/call_target.hpp"
#include "agent/proxy/forward_headers.hpp"
#include "agent/proxy/message_head.hpp"
#include "agent/proxy/proxy_error.hpp"
#include "agent/proxy/request_body.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "plugins/governance/governed_selector.hpp"
#include "plugins/governance/retry.hpp"
#include "plugins/governance/snapshot.hpp"
#include "plugins/governance/time_limiter.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using runtime::kNoThrow;
using Parser = http::response_parser<http::buffer_body>;

/// Without a retry policy, a call whose connection could not be opened still tries this many
/// other instances: nothing reached the first one, so any method is safe to send elsewhere.
constexpr int kConnectRetries = 2;
/// An answer head above this is refused (as Beast's default 8 KiB would too, but later).
constexpr std::uint32_t kMaxAnswerHeader = 64 * 1024;

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

/// How one attempt on one instance ended.
enum class Ended {
    kAnswered,       ///< the answer was relayed to the client in full
    kRetryStatus,    ///< an answer whose status the retry policy retries; not relayed
    kConnectFailed,  ///< no connection: nothing was sent
    kAtCapacity,     ///< the instance has max_connections_per_instance open: nothing was sent
    kNoAnswer,       ///< sent (maybe partly), then the connection failed before an answer
    kTimedOut,       ///< no answer head within the try's time limit
    kBrokenAnswer,   ///< the answer started reaching the client, then the upstream failed
    kClientGone,     ///< the client stopped reading or closed
};

struct AttemptResult {
    Ended ended = Ended::kNoAnswer;
    unsigned status = 0;
    /// kNoAnswer on a reused connection before any answer byte: the server may have closed it
    /// while idle (the "503 UC" race), which says nothing about the instance.
    bool stale_connection = false;
    std::string reason;  ///< for metrics and the access log: "connect", "reset", "timeout", ...
    /// The client's connection must close after this answer (an HTTP/1.0 client and an answer
    /// whose end only a close can mark).
    bool close_client = false;
};

/// "host:port" for a Host header or a message; IPv6 literals in brackets.
std::string authority(const plugins::Instance& instance) {
    const bool v6 = instance.host.find(':') != std::string::npos;
    return (v6 ? "[" + instance.host + "]" : instance.host) + ":" + std::to_string(instance.port);
}

/// The agent's error for a call whose last attempt got no usable answer.
ProxyError failure_of(const AttemptResult& last, const plugins::Instance* instance,
                      std::string_view service) {
    const std::string where = instance == nullptr
                                  ? std::string(service)
                                  : instance->instance_id + " (" + authority(*instance) + ")";
    switch (last.ended) {
        case Ended::kTimedOut:
            return upstream_timeout("no answer from " + where + " within the try's time limit");
        case Ended::kAtCapacity:
            return ProxyError{503, "BULKHEAD_FULL",
                              "every instance of '" + std::string(service) +
                                  "' tried has proxy.max_connections_per_instance calls in flight"};
        case Ended::kConnectFailed:
            return upstream_unreachable("cannot connect to " + where);
        default:
            return upstream_unreachable("no answer from " + where);
    }
}

/// Counts a call as active (and its retry, while it holds one) for as long as it runs, however
/// it ends: an answer, an error or a cancellation at any co_await.
class CallAccounting {
  public:
    CallAccounting(RetryBudget& budget, prometheus::Gauge& active)
        : budget_(budget), active_(active) {
        budget_.call_started();
        active_.Increment();
    }
    ~CallAccounting() {
        release_retry();
        budget_.call_ended();
        active_.Decrement();
    }
    CallAccounting(const CallAccounting&) = delete;
    CallAccounting& operator=(const CallAccounting&) = delete;

    /// One more retry within the budget (the previous one, if any, has ended).
    bool take_retry() {
        release_retry();
        holds_retry_ = budget_.try_start_retry();
        return holds_retry_;
    }

  private:
    void release_retry() {
        if (holds_retry_) {
            budget_.retry_ended();
            holds_retry_ = false;
        }
    }

    RetryBudget& budget_;
    prometheus::Gauge& active_;
    bool holds_retry_ = false;
};

asio::awaitable<bool> cancelled() {
    const auto state = co_await asio::this_coro::cancellation_state;
    co_return state.cancelled() != asio::cancellation_type::none;
}

/// Writes an agent-made answer; false when the client is gone.
asio::awaitable<bool> write_error(beast::tcp_stream& client, const ProxyError& error,
                                  unsigned version, bool keep_alive) {
    auto response = error_response(error, version, keep_alive);
    auto [ec, n] = co_await http::async_write(client, response, kNoThrow);
    co_return !ec;
}

/// Streams the answer whose head `parser` holds from the upstream to the client: the head
/// goes out with the first body bytes, each later read with one write (re-framed as chunks
/// when the client's connection must stay open and the upstream gave no length).
asio::awaitable<AttemptResult> relay_answer(UpstreamConnection& upstream, Parser& parser,
                                            ClientSide& client, std::string_view instance_id,
                                            const ProxyShared& shared, unsigned version,
                                            bool keep_alive, bool head_request) {
    AttemptResult result{Ended::kAnswered, parser.get().result_int(), false, {}};
    auto& message = parser.get();
    const auto content_length = parser.content_length();
    remove_hop_by_hop(message.base());
    message.erase("X-Sc-Agent-Error");  // only the agent's own answers carry it
    if (shared.access_log) {
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

}  // namespace

LoopState::LoopState(ProxyShared& shared, std::uint64_t seed)
    : pool(UpstreamPoolOptions{shared.options.connect_timeout, shared.options.idle_timeout,
                               shared.options.max_connections_per_instance},
           shared.clock),
      meters(shared.metrics),
      rng(seed) {}

asio::awaitable<bool> forward_call(ProxyShared& shared, LoopState& loop, ClientSide client,
                                   CallRequest call) {
    const auto started = shared.clock.now();
    auto& request = call.head;
    StreamedBody* const streamed = call.streamed_body;
    const unsigned version = request.version();
    // A streamed body the call did not read to the end is still on the client's connection:
    // it cannot carry another call after this one.
    const auto keep_alive_after = [&] {
        return call.keep_alive && (streamed == nullptr || streamed->done());
    };
    const auto method = request.method();
    const bool head_request = method == http::verb::head;

    const auto resolved = resolve_target(
        TargetRequest{request.target(), request[http::field::host], request["X-Sc-App"],
                      request["X-Sc-Consumer"], client.listen_as},
        shared.options.local_services);
    if (const auto* error = std::get_if<ProxyError>(&resolved)) {
        auto& meters = loop.meters.of("-");
        loop.meters.count_request(meters, error->status);
        const bool keep_alive = keep_alive_after();
        co_return co_await write_error(client.stream, *error, version, keep_alive) && keep_alive;
    }
    const auto& target = std::get<CallTarget>(resolved);

    auto executor = co_await asio::this_coro::executor;
    discovery::CacheKey key{target.app, target.service, target.environment};
    const auto lookup = co_await shared.discovery.lookup(executor, key);
    std::optional<ProxyError> failure;
    if (!lookup.set) {
        failure =
            no_instance(target.service, "the registry has not answered for " + key.to_string());
    } else if (!lookup.set->service_found) {
        failure = no_instance(target.service, key.to_string() + " is not in the registry");
    }
    std::vector<const plugins::Instance*> candidates;
    if (!failure) {
        for (const auto& instance : lookup.set->set->instances) {
            if (instance.status == "UP" && instance.port != 0) {
                candidates.push_back(&instance);
            }
        }
        if (candidates.empty()) {
            failure = no_instance(target.service, "none of its instances is UP");
        }
    }
    auto& meters = loop.meters.of(failure && (!lookup.set || !lookup.set->service_found)
                                      ? std::string_view("-")
                                      : std::string_view(target.service));
    if (failure) {
        loop.meters.count_request(meters, failure->status);
        const bool keep_alive = keep_alive_after();
        co_return co_await write_error(client.stream, *failure, version, keep_alive) && keep_alive;
    }

    plugins::RequestView view;
    view.method = std::string(request.method_string());
    const auto target_path = std::string_view(target.path);
    view.path = std::string(target_path.substr(0, target_path.find('?')));
    view.service_name = target.service;
    const auto snapshot = shared.snapshots ? shared.snapshots() : nullptr;
    if (snapshot && snapshot->reads_headers()) {
        // Only when a rule can look at them: copying every header is most of a view's cost.
        for (const auto& field : static_cast<const http::fields&>(request)) {
            view.headers.emplace(std::string(field.name_string()), std::string(field.value()));
        }
    }
    const auto retry_config = snapshot ? snapshot->retry_for(view) : nullptr;
    const auto time_limiter = snapshot ? snapshot->time_limiter_for(view) : nullptr;
    const auto try_timeout =
        time_limiter
            ? std::chrono::duration_cast<std::chrono::milliseconds>(time_limiter->timeout_duration)
            : shared.options.default_try_timeout;
    std::optional<plugins::governance::RetryState> retry;
    if (retry_config) {
        retry.emplace(retry_config, loop.rng);
    }

    prepare_upstream_headers(request, target.caller, client.address);
    // A buffered body goes with the head, and a streamed one is asked of the client only
    // once an upstream connection is open: nothing for the upstream to wait for.
    request.erase(http::field::expect);
    request.target(target.path);
    request.version(11);  // keep-alive by default: no Connection field needed
    if (streamed != nullptr && streamed->chunked()) {
        request.set(http::field::transfer_encoding, "chunked");  // the length is not known
    } else if (streamed == nullptr) {
        const bool expects_body =
            method == http::verb::post || method == http::verb::put || method == http::verb::patch;
        if (!call.buffered_body.empty() || expects_body) {
            request.set(http::field::content_length, std::to_string(call.buffered_body.size()));
        } else {
            request.erase(http::field::content_length);
        }
    }

    CallAccounting accounting(shared.budget, *meters.active);
    // Only a body the proxy still holds can be sent again.
    const bool may_repeat = idempotent(method) && streamed == nullptr;
    std::vector<const plugins::Instance*> remaining = candidates;
    const plugins::Instance* previous = nullptr;
    bool stay_on_previous = false;
    bool fresh_connection_retry_used = false;
    bool want_fresh_connection = false;
    bool relayed_answer = false;
    int connect_retries = 0;
    int attempts = 0;
    AttemptResult last;
    std::string why;
    std::string answered_by;
    bool client_ok = true;

    const plugins::Instance* last_instance = nullptr;
    for (;;) {
        const plugins::Instance* chosen = nullptr;
        if (stay_on_previous && previous != nullptr) {
            const std::array<const plugins::Instance*, 1> only{previous};
            chosen = shared.selector.select(target.service, only, view);
        } else {
            chosen = shared.selector.select(target.service, remaining, view);
        }
        if (chosen == nullptr) {
            if (attempts == 0) {
                failure = no_instance(
                    target.service, "its UP instances are isolated or left out by the route rule");
                why = "no instance";
            }
            break;  // after attempts: answered below from the last one
        }
        last_instance = chosen;
        ++attempts;
        if (attempts > 1) {
            meters.retries->Increment();
        }
        const auto attempt_started = shared.clock.now();
        request.set(http::field::host, authority(*chosen));

        // One attempt: connection, request, answer head.
        AttemptResult result;
        std::optional<Parser> parser;
        UpstreamConnectionPtr connection;
        {
            auto host = chosen->host;
            auto* gauge = meters.connections;
            const bool fresh = want_fresh_connection;
            want_fresh_connection = false;
            auto acquired = co_await loop.pool.acquire(std::move(host), chosen->port, gauge, fresh);
            if (acquired.at_capacity) {
                result = {Ended::kAtCapacity, 0, false, "at capacity"};
            } else if (!acquired.connection) {
                result = {Ended::kConnectFailed, 0, false, "connect"};
                if (acquired.error && acquired.error->kind == net::TransportErrorKind::timeout) {
                    result.reason = "connect timeout";
                }
            } else {
                connection = std::move(acquired.connection);
                if (try_timeout.count() > 0) {
                    connection->stream.expires_after(try_timeout);
                } else {
                    connection->stream.expires_never();
                }
                auto& head = client.buffers.head;
                head.clear();
                append_request_head(request, head);
                const std::array<asio::const_buffer, 2> message{asio::buffer(head),
                                                                asio::buffer(call.buffered_body)};
                auto [write_ec, written] =
                    co_await asio::async_write(connection->stream, message, kNoThrow);
                if (!write_ec && streamed != nullptr) {
                    const auto idle = shared.options.client_idle_timeout;
                    const auto passed =
                        co_await streamed->pass_on(connection->stream, client.buffers.body, idle);
                    if (passed == StreamedBody::Ended::kClientFailed) {
                        // Nobody to answer: the upstream got half a request, so it goes too.
                        loop.pool.discard(std::move(connection));
                        co_return false;
                    }
                    if (passed == StreamedBody::Ended::kUpstreamFailed) {
                        write_ec = boost::asio::error::connection_reset;
                    } else if (try_timeout.count() > 0) {
                        // The try's time limit runs from the end of the upload.
                        connection->stream.expires_after(try_timeout);
                    }
                }
                if (write_ec) {
                    result = {
                        write_ec == beast::error::timeout ? Ended::kTimedOut : Ended::kNoAnswer, 0,
                        connection->reused, "reset"};
                } else {
                    boost::system::error_code read_ec;
                    // Interim answers (100 Continue, 103 Early Hints) are read past: the client
                    // gets the final one.
                    do {
                        parser.emplace();
                        parser->body_limit(boost::none);
                        parser->header_limit(kMaxAnswerHeader);
                        parser->skip(head_request);
                        auto [ec, read] = co_await http::async_read_header(
                            connection->stream, connection->buffer, *parser, kNoThrow);
                        read_ec = ec;
                    } while (!read_ec && parser->get().result_int() / 100 == 1 &&
                             parser->get().result_int() != 101);
                    if (read_ec == beast::error::timeout) {
                        result = {Ended::kTimedOut, 0, false, "timeout"};
                    } else if (read_ec) {
                        result = {Ended::kNoAnswer, 0, connection->reused && !parser->got_some(),
                                  "reset"};
                    } else {
                        result = {Ended::kAnswered, parser->get().result_int(), false, {}};
                    }
                }
            }
        }
        const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(
            shared.clock.now() - attempt_started);
        if (co_await cancelled()) {
            // The proxy is stopping: this attempt's failure says nothing about the instance.
            loop.pool.discard(std::move(connection));
            co_return false;
        }

        // Decide: retry, or answer with what this attempt got.
        plugins::governance::CallOutcome outcome;
        outcome.latency = latency;
        if (result.ended == Ended::kAnswered) {
            outcome.status = static_cast<int>(result.status);
        } else {
            outcome.transport_error = true;
        }
        bool again = false;
        bool same = false;
        plugins::governance::Duration delay{};
        const bool nothing_sent =
            result.ended == Ended::kConnectFailed || result.ended == Ended::kAtCapacity;
        if (streamed != nullptr && streamed->started()) {
            again = false;  // the body is gone: this attempt's answer is the call's answer
        } else if (result.stale_connection && may_repeat && !fresh_connection_retry_used) {
            // Not the instance's fault: one more try on a fresh connection to it.
            fresh_connection_retry_used = true;
            want_fresh_connection = true;
            again = true;
            same = true;
        } else if (result.ended == Ended::kAtCapacity) {
            again = remaining.size() > 1;  // another instance may have room
        } else if (retry && (may_repeat || nothing_sent)) {
            const auto decision = retry->on_outcome(outcome);
            again = decision.action == plugins::governance::RetryAction::kRetry;
            same = decision.same_instance;
            delay = decision.delay;
        } else if (!retry && result.ended == Ended::kConnectFailed &&
                   connect_retries < kConnectRetries) {
            ++connect_retries;
            again = true;
        }
        if (again && remaining.size() <= 1 && !same) {
            // Every other instance was tried: a further try can only go back to this one.
            same = true;
            again = !nothing_sent;
        }
        if (again) {
            again = accounting.take_retry();
            if (!again) {
                why = "retry budget exhausted";
            }
        }

        // Every pick ends with one outcome (it ends the balancer's attempt and any half-open
        // trial). A stale kept connection or a full pool says nothing about the instance.
        const bool instance_fault = !result.stale_connection && result.ended != Ended::kAtCapacity;
        shared.selector.record_outcome(
            target.service, chosen->instance_id,
            !instance_fault || (result.ended == Ended::kAnswered && result.status < 500), latency);
        if (result.ended != Ended::kAnswered) {
            loop.meters.count_upstream_error(meters, result.reason);
        }

        if (result.ended == Ended::kAnswered && !again) {
            // The answer goes to the client, streamed.
            auto relayed = co_await relay_answer(*connection, *parser, client, chosen->instance_id,
                                                 shared, version, keep_alive_after(), head_request);
            last = relayed;
            relayed_answer = true;
            answered_by = chosen->instance_id;
            if (relayed.ended == Ended::kAnswered && parser->is_done() && parser->keep_alive()) {
                loop.pool.release(std::move(connection));
            } else {
                loop.pool.discard(std::move(connection));
            }
            if (relayed.ended != Ended::kAnswered || relayed.close_client) {
                client_ok = false;
            }
            if (relayed.ended != Ended::kAnswered) {
                why = relayed.ended == Ended::kClientGone ? "client gone"
                                                          : "upstream broke mid-answer";
                if (relayed.ended == Ended::kBrokenAnswer) {
                    loop.meters.count_upstream_error(meters, "reset");
                }
            }
            break;
        }
        // Not relayed: this connection has an unread (or no) answer on it.
        loop.pool.discard(std::move(connection));
        last = result;
        if (!again) {
            break;
        }
        previous = chosen;
        stay_on_previous = same;
        if (!same) {
            std::erase(remaining, chosen);
        }
        if (why.empty()) {
            why = "retried";
        }
        if (delay.count() > 0) {
            asio::steady_timer pause(executor, delay);
            auto [ec] = co_await pause.async_wait(kNoThrow);
            if (ec) {
                break;
            }
        }
    }
    if (!failure && !relayed_answer) {
        // The attempts ended without an answer to relay (or no instance was left to retry on).
        failure = failure_of(last, last_instance, target.service);
        if (why.empty() || why == "retried") {
            why = last.ended == Ended::kTimedOut        ? "upstream timeout"
                  : last.ended == Ended::kAtCapacity    ? "instances at capacity"
                  : last.ended == Ended::kConnectFailed ? "upstream unreachable"
                                                        : "upstream reset";
        }
    }

    unsigned status = last.status;
    if (failure) {
        status = failure->status;
        client_ok = co_await write_error(client.stream, *failure, version, keep_alive_after());
    }
    const auto elapsed = shared.clock.now() - started;
    loop.meters.count_request(meters, status);
    meters.duration->Observe(std::chrono::duration<double>(elapsed).count());
    if (shared.access_log) {
        nlohmann::json line{
            {"method", view.method},
            {"service", target.service},
            {"app", target.app},
            {"path", view.path},
            {"status", status},
            {"attempts", attempts},
            {"instance", answered_by},
            {"durationMs", std::chrono::duration<double, std::milli>(elapsed).count()},
            {"why", why.empty() ? nlohmann::json(nullptr) : nlohmann::json(why)}};
        if (!target.caller.empty()) {
            line["caller"] = target.caller;
        }
        shared.access_log->info(
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    co_return client_ok&& keep_alive_after();
}

}  // namespace scagent::proxy
