#include "agent/registration/health_probe.hpp"
#include "agent/runtime/asio_tokens.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "agent/net/connect.hpp"

namespace scagent::registration {
namespace {

namespace asio = boost::asio;
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

// "host:port" or "[v6]:port" (config checks the shape) as a plain origin.
net::Origin tcp_origin(const std::string& target) {
    net::Origin origin;
    const auto colon = target.rfind(':');
    if (colon == std::string::npos) {
        return origin;
    }
    std::string host = target.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string_view port_text = std::string_view(target).substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (host.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
        return origin;
    }
    origin.valid = true;
    origin.host = std::move(host);
    origin.port = static_cast<std::uint16_t>(port);
    return origin;
}

asio::awaitable<bool> probe_tcp(const config::HealthCheckSettings& check) {
    const auto origin = tcp_origin(check.target);
    if (!origin.valid) {
        co_return false;
    }
    auto stream =
        co_await net::connect_plain(origin, std::chrono::steady_clock::now() + check.timeout);
    co_return stream.has_value();
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
