#include "agent/registration/health_probe.hpp"
#include "agent/runtime/asio_tokens.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <exception>
#include <string>

namespace scagent::registration {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using runtime::kNoThrow;

asio::awaitable<bool> probe_http(net::HttpTransport& http,
                                 const config::HealthCheckSettings& check) {
    const auto url = boost::urls::parse_uri(check.target);
    if (!url) {
        co_return false;
    }
    plugins::HttpRequest request;
    request.method = "GET";
    request.origin = std::string(url->scheme()) + "://" + std::string(url->encoded_host_and_port());
    request.target = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    if (url->has_query()) {
        request.target += "?" + std::string(url->encoded_query());
    }
    const auto result =
        co_await http.send(std::move(request), std::chrono::steady_clock::now() + check.timeout);
    co_return result.has_value() && result->ok();
}

asio::awaitable<bool> probe_tcp(const config::HealthCheckSettings& check) {
    std::string host = check.target;
    std::string port;
    if (const auto colon = host.rfind(':'); colon != std::string::npos) {
        port = host.substr(colon + 1);
        host.resize(colon);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    asio::ip::tcp::socket socket(executor);
    asio::steady_timer deadline(executor, check.timeout);
    auto attempt = [&]() -> asio::awaitable<bool> {
        auto [resolve_error, endpoints] = co_await resolver.async_resolve(host, port, kNoThrow);
        if (resolve_error) {
            co_return false;
        }
        auto [connect_error, endpoint] = co_await asio::async_connect(socket, endpoints, kNoThrow);
        co_return !connect_error;
    };
    auto outcome = co_await (attempt() || deadline.async_wait(kNoThrow));
    co_return outcome.index() == 0 && std::get<0>(outcome);
}

}  // namespace

asio::awaitable<bool> probe_once(net::HttpTransport& http,
                                 const config::HealthCheckSettings& check) {
    try {
        if (check.kind == config::CheckKind::kTcp) {
            co_return co_await probe_tcp(check);
        }
        co_return co_await probe_http(http, check);
    } catch (const std::exception& e) {
        spdlog::debug("probe {}: {}", check.target, e.what());
        co_return false;
    }
}

HealthProbe::HealthProbe(asio::any_io_executor executor, net::HttpTransport& http,
                         config::HealthCheckSettings check, Listener listener)
    : executor_(executor),
      http_(http),
      check_(std::move(check)),
      listener_(std::move(listener)),
      state_(check_.rise, check_.fall),
      timer_(executor) {}

void HealthProbe::start(runtime::TaskGroup& group, runtime::Supervisor& supervisor) {
    supervisor.spawn(group, executor_, "probe " + check_.target,
                     [self = shared_from_this()](runtime::Supervisor::Checkpoint checkpoint) {
                         return self->loop(std::move(checkpoint));
                     });
}

void HealthProbe::stop() {
    stopped_ = true;
    asio::post(executor_, [self = shared_from_this()] { self->timer_.cancel(); });
}

asio::awaitable<void> HealthProbe::loop(runtime::Supervisor::Checkpoint checkpoint) {
    auto keep_alive = shared_from_this();
    while (!stopped_) {
        checkpoint();
        const bool passed = co_await probe_once(http_, check_);
        if (stopped_) {
            break;
        }
        if (const auto changed = state_.record(passed)) {
            health_ = *changed;
            spdlog::info("probe {}: app is {}", check_.target, to_string(*changed));
            listener_(*changed);
        }
        timer_.expires_after(check_.interval);
        co_await timer_.async_wait(kNoThrow);
    }
}

}  // namespace scagent::registration
