#include "agent/proxy/inbound.hpp"

#include <boost/beast/http/field.hpp>

#include <optional>
#include <string>

#include "agent/proxy/access_log.hpp"
#include "agent/proxy/attempt.hpp"
#include "agent/proxy/forward_headers.hpp"
#include "agent/proxy/proxy_error.hpp"
#include "agent/proxy/request_body.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "plugins/governance/snapshot.hpp"

namespace scagent::proxy {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

/// Counts a call as active for as long as it runs, however it ends.
class Active {
  public:
    explicit Active(prometheus::Gauge& gauge) : gauge_(gauge) { gauge_.Increment(); }
    ~Active() { gauge_.Decrement(); }
    Active(const Active&) = delete;
    Active& operator=(const Active&) = delete;

  private:
    prometheus::Gauge& gauge_;
};

std::string where(const InboundTarget& app) {
    return "the local app of '" + app.service + "' at " + app.host + ":" + std::to_string(app.port);
}

}  // namespace

asio::awaitable<bool> forward_inbound(ProxyShared& shared, LoopState& loop, ClientSide client,
                                      CallRequest call) {
    const auto started = shared.clock.now();
    const InboundTarget& app = *client.inbound;
    auto& request = call.head;
    StreamedBody* const streamed = call.streamed_body;
    const unsigned version = request.version();
    const auto keep_alive_after = [&] {
        return call.keep_alive && (streamed == nullptr || streamed->done());
    };
    auto& meters = loop.meters.of(app.service);

    const std::string_view target = request.target();
    const auto snapshot = shared.snapshots ? shared.snapshots() : nullptr;
    // Provider side: the service name a match group sees is the caller's.
    const auto view =
        governance_view(request, target, caller_of(request["x-cse-context"]), snapshot.get());

    std::optional<ProxyError> failure;
    std::string why;
    Admission admission;
    if (target.empty() || target.front() != '/') {
        failure = bad_request("an inbound call names a path (origin form), got '" +
                              std::string(target.substr(0, 200)) + "'");
        why = "bad request";
    } else if (snapshot && LoopGuards::any(*snapshot)) {
        plugins::governance::MatchedGroups matched(*snapshot, view);
        co_await loop.guards.admit(snapshot, matched, app.service, admission);
        if (admission.cancelled) {
            co_return false;
        }
        if (admission.refused) {
            failure = std::move(admission.refused);
            why = admission.why;
        }
    }

    AttemptResult last;
    bool relayed = false;
    bool client_ok = true;
    int attempts = 0;
    if (!failure) {
        Active active(*meters.active);
        if (request.find("X-Forwarded-Host") == request.end() &&
            request.find(http::field::host) != request.end()) {
            request.set("X-Forwarded-Host", request[http::field::host]);
        }
        prepare_upstream_headers(request, /*caller=*/"", client.address,
                                 client.buffers.added_fields);  // x-cse-context passes as is
        call.added_fields = client.buffers.added_fields;
        frame_for_upstream(call);
        // A kept connection the app closed while idle gets one more try on a fresh one, for
        // requests that are safe to send twice; nothing else is retried (consumers retry).
        const bool may_repeat = idempotent(request.method()) && streamed == nullptr;
        bool fresh = false;
        for (;;) {
            ++attempts;
            AttemptTarget to{app.host, app.port, meters.connections, fresh,
                             shared.options.default_try_timeout};
            std::optional<AnswerParser> parser;
            auto tried = co_await attempt_call(loop, shared, client, call, std::move(to), parser);
            if (tried.client_failed) {
                co_return false;
            }
            if (co_await runtime::cancelled()) {
                loop.pool.discard(std::move(tried.connection));
                co_return false;
            }
            last = tried.result;
            if (last.ended == Ended::kAnswered) {
                const bool head_request = request.method() == http::verb::head;
                last = co_await relay_answer(*tried.connection, *parser, client, {}, shared,
                                             version, keep_alive_after(), head_request);
                relayed = true;
                if (last.ended == Ended::kAnswered && parser->is_done() && parser->keep_alive()) {
                    loop.pool.release(std::move(tried.connection));
                } else {
                    loop.pool.discard(std::move(tried.connection));
                }
                client_ok = last.ended == Ended::kAnswered && !last.close_client;
                if (last.ended != Ended::kAnswered) {
                    why = last.ended == Ended::kClientGone ? "client gone"
                                                           : "upstream broke mid-answer";
                }
                break;
            }
            loop.pool.discard(std::move(tried.connection));
            loop.meters.count_upstream_error(meters, last.reason);
            if (last.stale_connection && may_repeat && !fresh) {
                fresh = true;
                continue;
            }
            if (last.ended == Ended::kTimedOut) {
                failure = upstream_timeout("no answer from " + where(app) +
                                           " within the try's time limit");
                why = "upstream timeout";
            } else {
                failure = upstream_unreachable("no answer from " + where(app));
                why =
                    last.ended == Ended::kConnectFailed ? "upstream unreachable" : "upstream reset";
            }
            break;
        }
    }

    CallEnd end{std::move(failure), last, relayed, attempts, client_ok};
    AccessEntry entry{"inbound", view.method, app.service, app.app, view.path, view.service_name,
                      0,         0,           {},          {},      why};
    co_return co_await finish_call(shared, loop, client, meters, admission, std::move(end), started,
                                   version, keep_alive_after(), entry);
}

}  // namespace scagent::proxy
