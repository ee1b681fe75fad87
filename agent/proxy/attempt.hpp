#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/proxy/access_log.hpp"
#include "agent/proxy/answer_parser.hpp"
#include "agent/proxy/forwarder.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/governance/common.hpp"
#include "plugins/governance/snapshot.hpp"

namespace scagent::proxy {

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

/// Where one attempt goes.
struct AttemptTarget {
    std::string_view host;  ///< the instance's (or local app's), which outlives the attempt
    std::uint16_t port = 0;
    prometheus::Gauge* connections = nullptr;  ///< the target service's connection gauge
    bool fresh_connection = false;  ///< open a new connection instead of reusing a kept one
    std::chrono::milliseconds try_timeout{};  ///< 0: none
    /// The request-target and Host value to send, when not the request's own (the proxy's
    /// path and the instance's authority): written into the head, not into the request.
    std::string_view request_target{};
    std::string_view host_field{};
};

/// One attempt's state: how it ended and, when an answer head arrived, the connection its body
/// is still on (the head is in the caller's parser).
struct Attempt {
    AttemptResult result;
    UpstreamConnectionPtr connection;
    /// The client failed while its streamed body was being passed on: nobody is left to
    /// answer, and the upstream connection is already discarded.
    bool client_failed = false;
};

/// GET, HEAD, OPTIONS, PUT, DELETE, TRACE: safe to send twice.
bool idempotent(boost::beast::http::verb method);

/// Sets the framing of `call`'s head for the upstream: HTTP/1.1, no Expect (a buffered body
/// goes with the head, a streamed one is asked of the client only once an upstream connection
/// is open), Content-Length for a buffered body, chunked for a streamed one of unknown length.
void frame_for_upstream(CallRequest& call);

/// What governance matches a call on: method, path (of `target`, without the query), service
/// name, and the headers only when `snapshot` has a rule that reads them (copying them is most
/// of a view's cost).
plugins::RequestView governance_view(const boost::beast::http::request_header<>& request,
                                     std::string_view target, std::string service_name,
                                     const plugins::governance::GovernanceSnapshot* snapshot);

/// How a call that reached an instance ended, for the breaker that admitted it: the status it
/// relayed, or a transport error when no whole answer could be relayed.
plugins::governance::CallOutcome call_outcome(bool relayed, const AttemptResult& last,
                                              std::chrono::nanoseconds elapsed);

/// How a call ended, for finish_call().
struct CallEnd {
    std::optional<ProxyError> failure;  ///< the agent's own answer, when nothing was relayed
    AttemptResult last;                 ///< the last attempt (or the relay of its answer)
    bool relayed = false;               ///< a provider's answer went (at least partly) out
    int attempts = 0;
    bool client_ok = true;  ///< false once the client connection cannot carry another call
};

/// Ends a call the same way on both sides: the agent's error is written when there is one,
/// the breaker that admitted the call learns how it ended, the call is counted and, with
/// `log.access`, logged (`entry` as far as the caller knows it; status, attempts and duration
/// are filled in here). Returns whether the client connection can carry another call.
boost::asio::awaitable<bool> finish_call(const ProxyShared& shared, LoopState& loop,
                                         ClientSide& client, ServiceMeters::Meters& meters,
                                         Admission& admission, CallEnd end,
                                         plugins::Clock::TimePoint started, unsigned version,
                                         bool keep_alive, AccessEntry entry);

/// Writes an agent-made answer; false when the client is gone.
boost::asio::awaitable<bool> write_error(boost::beast::tcp_stream& client, const ProxyError& error,
                                         unsigned version, bool keep_alive);

/// One try on one instance: a pooled connection, the request (the head as `call.head` holds
/// it, then the buffered body or the streamed one), and the answer head (interim 1xx answers
/// read past) into `parser` (a Beast parser cannot move: the caller owns it). The answer's body
/// is left on the connection for relay_answer().
boost::asio::awaitable<Attempt> attempt_call(LoopState& loop, const ProxyShared& shared,
                                             ClientSide& client, CallRequest& call,
                                             AttemptTarget target,
                                             std::optional<AnswerParser>& parser);

/// Streams the answer whose head `parser` holds from the upstream to the client: the head
/// goes out with the first body bytes, each later read with one write (re-framed as chunks
/// when the client's connection must stay open and the upstream gave no length).
boost::asio::awaitable<AttemptResult> relay_answer(UpstreamConnection& upstream,
                                                   AnswerParser& parser, ClientSide& client,
                                                   std::string_view instance_id,
                                                   const ProxyShared& shared, unsigned version,
                                                   bool keep_alive, bool head_request);

}  // namespace scagent::proxy
