#include "agent/discovery/watcher.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>

#include "agent/net/connect.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "plugins/registry/servicecomb/sc_responses.hpp"

namespace scagent::discovery {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace sc = plugins::servicecomb;
using runtime::kNoThrow;
/// Watch frames are single events; anything this large is not one.
constexpr std::size_t kMaxFrame = 4 * 1024 * 1024;

}  // namespace

Watcher::Watcher(asio::any_io_executor strand, clients::RegistryClient& client,
                 ConsumerId consumer_id, EventHandler on_event, std::function<void()> on_connected,
                 WatcherOptions options)
    : strand_(strand),
      client_(client),
      consumer_id_(std::move(consumer_id)),
      on_event_(std::move(on_event)),
      on_connected_(std::move(on_connected)),
      options_(std::move(options)),
      loops_(options_.supervisor),
      timer_(strand) {
    tls_ = std::make_unique<net::LazyTlsContext>(options_.tls);
}

Watcher::~Watcher() = default;

void Watcher::start() {
    loops_.spawn(strand_, "discovery.watch",
                 [this](runtime::Supervisor::Checkpoint checkpoint) { return run(checkpoint); });
}

void Watcher::stop() {
    asio::post(strand_, [this] {
        stopped_ = true;
        timer_.cancel();
        if (cancel_current_) {
            cancel_current_();
        }
    });
    loops_.cancel();
}

void Watcher::consumer_changed() {
    asio::post(strand_, [this] {
        if (!connected_) {
            timer_.cancel();
        }
    });
}

asio::awaitable<void> Watcher::run(runtime::Supervisor::Checkpoint checkpoint) {
    auto backoff = options_.initial_backoff;
    std::string last_failed;
    bool warned = false;
    while (!stopped_) {
        checkpoint();
        std::string consumer = consumer_id_ ? consumer_id_() : std::string();
        if (consumer.empty()) {
            // Nothing to watch until the local service has an id (registration pending):
            // consumer_changed() ends this wait (same strand, so it cannot slip in between).
            timer_.expires_at(boost::asio::steady_timer::time_point::max());
            co_await timer_.async_wait(kNoThrow);
            continue;
        }
        std::string address = client_.address_pool().pick(last_failed);
        auto connects_before = connects_.load();
        std::string reason = co_await session(address, consumer);
        connected_ = false;
        if (stopped_) {
            break;
        }
        if (connects_.load() != connects_before) {
            backoff = options_.initial_backoff;  // it worked for a while: start over
            warned = false;
        }
        last_failed = address;
        if (!warned) {
            spdlog::warn("registry watch on {} ended: {}; reconnecting (backoff {} ms)", address,
                         reason, backoff.count());
            warned = true;
        } else {
            spdlog::debug("registry watch on {}: {}; next try in {} ms", address, reason,
                          backoff.count());
        }
        timer_.expires_after(backoff);
        co_await timer_.async_wait(kNoThrow);
        backoff = std::min(backoff * 2, options_.max_backoff);
    }
}

asio::awaitable<std::string> Watcher::session(std::string address, std::string consumer) {
    auto origin = net::parse_origin(address);
    if (!origin.valid) {
        co_return "not an http(s) address";
    }
    auto target = client_.requests().watcher_target(consumer);
    auto headers = co_await client_.upgrade_headers();
    if (!headers) {
        co_return "credentials: " + headers.error().describe();
    }
    // DNS, connect and TLS share one deadline; stop() cancels them through the task group.
    const auto deadline = std::chrono::steady_clock::now() + options_.handshake_timeout;
    std::string reason;
    if (origin.tls) {
        auto stream = co_await net::connect_tls(origin, tls_->get(), options_.tls.verify, deadline);
        reason = co_await talk(std::move(stream), origin, target, std::move(*headers));
    } else {
        auto stream = co_await net::connect_plain(origin, deadline);
        reason = co_await talk(std::move(stream), origin, target, std::move(*headers));
    }
    cancel_current_ = nullptr;
    co_return reason;
}

template <class Stream>
asio::awaitable<std::string> Watcher::talk(net::TransportResult<Stream> connected,
                                           net::Origin origin, std::string target,
                                           UpgradeHeaders headers) {
    if (!connected) {
        co_return connected.error().describe();
    }
    if (stopped_) {
        co_return "stopped";
    }
    websocket::stream<Stream> ws(std::move(*connected));
    // stop() closes the socket under whatever this coroutine awaits. session() clears it once
    // this returns; no RAII guard, since an abandoned frame (io_context stopped) may be destroyed
    // after the Watcher.
    cancel_current_ = [&ws] {
        boost::system::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
    };
    auto& lowest = beast::get_lowest_layer(ws);
    // The websocket layer has its own timeouts (handshake, idle with keep-alive pings).
    lowest.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.handshake_timeout;
    timeouts.idle_timeout = options_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.read_message_max(kMaxFrame);
    ws.set_option(websocket::stream_base::decorator(
        [extra = std::move(headers)](websocket::request_type& request) {
            request.set(beast::http::field::user_agent, "sc-agent");
            for (const auto& [name, value] : extra) {
                request.set(name, value);
            }
        }));
    auto [handshake_error] = co_await ws.async_handshake(origin.host_header(), target, kNoThrow);
    if (handshake_error || stopped_) {
        co_return "websocket handshake: " + handshake_error.message();
    }
    connected_ = true;
    ++connects_;
    spdlog::info("registry watch connected to {}", origin.key());
    if (on_connected_) {
        on_connected_();
    }
    beast::flat_buffer buffer;
    std::string reason = "stopped";
    auto read_frames = [&]() -> asio::awaitable<void> {
        while (!stopped_) {
            auto [read_error, bytes] = co_await ws.async_read(buffer, kNoThrow);
            if (read_error) {
                reason = "read: " + read_error.message();
                co_return;
            }
            on_frame(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
        }
    };
    auto keep_pinging = [&]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        asio::steady_timer timer(executor);
        for (;;) {
            timer.expires_after(options_.ping_interval);
            auto [wait_error] = co_await timer.async_wait(kNoThrow);
            if (wait_error) {
                co_return;  // the read side ended the session
            }
            auto [ping_error] = co_await ws.async_ping({}, kNoThrow);
            if (ping_error) {
                reason = "ping: " + ping_error.message();
                co_return;
            }
            ++pings_;
        }
    };
    // Whichever ends first ends the session and cancels the other.
    using namespace asio::experimental::awaitable_operators;
    co_await (read_frames() || keep_pinging());
    co_return reason;
}

void Watcher::on_frame(const std::string& frame) {
    auto event = sc::decode_watch_event(frame);
    if (!event) {
        if (event.error().is(sc::codes::kServiceNotExists)) {
            spdlog::warn(
                "registry watch: the local service is unknown to the registry; "
                "waiting for it to be registered again");
        } else {
            spdlog::warn("registry watch: ignored a frame: {}", event.error().describe());
        }
        return;
    }
    if (on_event_) {
        on_event_(*event);
    }
}

}  // namespace scagent::discovery
