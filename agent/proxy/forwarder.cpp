#include "agent/proxy/forwarder.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <variant>

#include "agent/discovery/discovery.hpp"
#include "agent/proxy/access_log.hpp"
#include "agent/proxy/attempt.hpp"
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
using runtime::cancelled;
using runtime::kNoThrow;

/// Without a retry policy, a call whose connection could not be opened still tries this many
/// other instances: nothing reached the first one, so any method is safe to send elsewhere.
constexpr int kConnectRetries = 2;

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

}  // namespace

LoopState::LoopState(ProxyShared& shared, std::uint64_t seed)
    : pool(UpstreamPoolOptions{shared.options.connect_timeout, shared.options.idle_timeout,
                               shared.options.max_connections_per_instance},
           shared.clock),
      meters(shared.metrics),
      rng(seed),
      guards(*shared.guards),
      selector(shared.selector, seed ^ 0x9e3779b97f4a7c15ULL) {}

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
    // A cached service (every call but a service's first) is answered without a coroutine.
    discovery::InstanceCache::Lookup lookup;
    if (auto cached = shared.discovery.lookup_cached(key)) {
        lookup = std::move(*cached);
    } else {
        lookup = co_await shared.discovery.lookup(executor, key);
    }
    std::optional<ProxyError> failure;
    if (lookup.state == discovery::InstanceCache::State::kOverLimit) {
        failure = ProxyError{503, "TOO_MANY_SERVICES",
                             "the agent already caches limits.max_watched_services services, so "
                             "it does not start caching " +
                                 key.to_string()};
    } else if (!lookup.set) {
        failure =
            no_instance(target.service, "the registry has not answered for " + key.to_string());
    } else if (!lookup.set->service_found) {
        failure = no_instance(target.service, key.to_string() + " is not in the registry");
    }
    // Kept on the stack for the usual handful of instances: no allocation per call.
    using Candidates = boost::container::small_vector<const plugins::Instance*, 16>;
    Candidates candidates;
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

    const auto snapshot = shared.snapshots ? shared.snapshots() : nullptr;
    const auto view = governance_view(request, target.path, target.service, snapshot.get());
    // Every policy lookup of this call evaluates each match group once, here or later.
    std::optional<plugins::governance::MatchedGroups> matched;
    if (snapshot) {
        matched.emplace(*snapshot, view);
    }
    // Consumer-side policies, before any instance is picked.
    std::string why;
    Admission admission;
    if (snapshot && LoopGuards::any(*snapshot)) {
        co_await loop.guards.admit(snapshot, *matched, target.service, admission);
        if (admission.cancelled) {
            co_return false;
        }
        if (admission.refused) {
            failure = std::move(admission.refused);
            why = admission.why;
        }
    }
    const auto retry_config = snapshot ? snapshot->retry_for(*matched) : nullptr;
    // Read only while this frame holds the snapshot: no copy of the shared_ptr.
    const auto* time_limiter = snapshot ? snapshot->time_limiter_for(*matched).get() : nullptr;
    const auto try_timeout =
        time_limiter
            ? std::chrono::duration_cast<std::chrono::milliseconds>(time_limiter->timeout_duration)
            : shared.options.default_try_timeout;
    std::optional<plugins::governance::RetryState> retry;
    if (retry_config) {
        retry.emplace(retry_config, loop.rng);
    }

    prepare_upstream_headers(request, target.caller, client.address, client.buffers.added_fields);
    call.added_fields = client.buffers.added_fields;
    frame_for_upstream(call);

    CallAccounting accounting(shared.budget, *meters.active);
    // Only a body the proxy still holds can be sent again.
    const bool may_repeat = idempotent(method) && streamed == nullptr;
    Candidates remaining = candidates;
    const plugins::Instance* previous = nullptr;
    bool stay_on_previous = false;
    bool fresh_connection_retry_used = false;
    bool want_fresh_connection = false;
    bool relayed_answer = false;
    int connect_retries = 0;
    int attempts = 0;
    AttemptResult last;
    std::string_view answered_by;  // an id in `lookup`'s set, held for the whole call
    bool client_ok = true;

    const plugins::Instance* last_instance = nullptr;
    while (!failure) {
        plugins::governance::LoopSelector::Pick pick;
        if (stay_on_previous && previous != nullptr) {
            const std::array<const plugins::Instance*, 1> only{previous};
            pick = loop.selector.select(snapshot, only, view, matched ? &*matched : nullptr);
        } else {
            pick = loop.selector.select(
                snapshot,
                std::span<const plugins::Instance* const>(remaining.data(), remaining.size()), view,
                matched ? &*matched : nullptr);
        }
        const plugins::Instance* chosen = pick.instance();
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
            if (shared.actions) {
                shared.actions("retry", "retried");
            }
        }
        // Read per try, not taken from the call's start: the first try's latency (isolation's
        // slow calls, WeightedResponse) must not include a discovery wait, a rate limiter's
        // hold, a bulkhead queue or an injected delay before it.
        const auto attempt_started = shared.clock.now();
        const auto host_field = authority(*chosen);

        // One attempt: connection, request, answer head.
        const bool fresh = want_fresh_connection;
        want_fresh_connection = false;
        AttemptTarget where{chosen->host, chosen->port, meters.connections, fresh,
                            try_timeout,  target.path,  host_field};
        std::optional<AnswerParser> parser;
        auto tried = co_await attempt_call(loop, shared, client, call, std::move(where), parser);
        if (tried.client_failed) {
            co_return false;  // nobody to answer: the upstream got half a request and went too
        }
        AttemptResult result = tried.result;
        auto& connection = tried.connection;
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
        loop.selector.record_outcome(
            pick, !instance_fault || (result.ended == Ended::kAnswered && result.status < 500),
            latency);
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
            remaining.erase(std::remove(remaining.begin(), remaining.end(), chosen),
                            remaining.end());
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

    CallEnd end{std::move(failure), last, relayed_answer, attempts, client_ok};
    AccessEntry entry{"outbound", view.method, target.service, target.app, view.path, target.caller,
                      0,          0,           answered_by,    {},         why};
    co_return co_await finish_call(shared, loop, client, meters, admission, std::move(end), started,
                                   version, keep_alive_after(), entry);
}

}  // namespace scagent::proxy
