#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "agent/proxy/call_guards.hpp"
#include "agent/proxy/proxy_metrics.hpp"
#include "agent/proxy/proxy_options.hpp"
#include "agent/proxy/retry_budget.hpp"
#include "agent/proxy/upstream_pool.hpp"
#include "plugins/api/rng.hpp"
#include "plugins/governance/loop_selector.hpp"

namespace spdlog {
class logger;
}
namespace scagent::discovery {
class Discovery;
}
namespace scagent::plugins::governance {
class GovernedSelector;
class GovernanceSnapshot;
}  // namespace scagent::plugins::governance

namespace scagent::proxy {

class StreamedBody;

/// One request as the client sent it: its head (rewritten in place for the upstream) and its
/// body, either buffered whole (so a retry can send it again) or streamed once.
struct CallRequest {
    boost::beast::http::request_header<>& head;
    bool keep_alive;  ///< what the client's head asked for
    std::string_view buffered_body;
    /// Set for a body above proxy.max_retry_body or of unknown length; null when buffered.
    StreamedBody* streamed_body = nullptr;
    /// Field lines sent after the head's fields (prepare_upstream_headers()).
    std::string_view added_fields{};
};

/// What every event loop of the proxy reads: options and the thread-safe parts of the agent.
/// Instances and governance are immutable snapshots swapped by their owners, so a call reads
/// one consistent version of each.
struct ProxyShared {
    using Snapshots =
        std::function<std::shared_ptr<const plugins::governance::GovernanceSnapshot>()>;

    ProxyOptions options;
    discovery::Discovery& discovery;
    plugins::governance::GovernedSelector& selector;
    Snapshots snapshots;
    ProxyMetrics& metrics;
    plugins::Clock& clock;
    /// Null unless `log.access` is on.
    std::shared_ptr<spdlog::logger> access_log;
    RetryBudget budget{};
    /// rateLimiting, bulkhead, circuitBreaker and faultInjection state (set by Proxy).
    std::unique_ptr<GuardStates> guards{};
    ActionCounter actions{};
};

/// One event loop's own state: upstream connections, metric handles, randomness. Touched only
/// on that loop's thread.
struct LoopState {
    LoopState(ProxyShared& shared, std::uint64_t seed);

    UpstreamPool pool;
    ServiceMeters meters;
    plugins::SeededRng rng;
    LoopGuards guards;
    plugins::governance::LoopSelector selector;
};

/// Scratch space a client connection lends each of its calls in turn, so that a call allocates
/// no head or relay buffer of its own.
struct CallBuffers {
    /// Body bytes relayed per read/write step.
    static constexpr std::size_t kRelayChunk = 16 * 1024;

    std::string head;           ///< the head being written (upstream request, then client answer)
    std::string answer_fields;  ///< the provider's answer fields kept for the client
    std::string added_fields;   ///< field lines the call's request gains (CallRequest)
    std::array<char, kRelayChunk> body;  // NOLINT: filled before use
};

/// The client side of one call: the connection it came on and who is calling.
struct ClientSide {
    boost::beast::tcp_stream& stream;
    CallBuffers& buffers;
    /// The caller a service's own proxy.listen stands for; empty on the shared listener.
    std::string_view listen_as;
    std::string_view address;  ///< the client's IP, for X-Forwarded-For
    /// Set on a provider-side (`inbound`) listener: the local app every call goes to.
    const InboundTarget* inbound = nullptr;
};

/// Serves one call end to end: target and caller → discovered instances → governed pick
/// (route rule, isolation, load balancer) → attempt over a pooled connection → retry per the
/// `retry` policy within the retry budget → the answer streamed back. A streamed body is never
/// sent twice: once its first byte is read, only the attempt it went to can answer. Returns
/// whether the client connection can carry another call.
boost::asio::awaitable<bool> forward_call(ProxyShared& shared, LoopState& loop, ClientSide client,
                                          CallRequest call);

}  // namespace scagent::proxy
