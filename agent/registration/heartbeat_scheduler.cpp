#include "agent/registration/heartbeat_scheduler.hpp"
#include "agent/runtime/asio_tokens.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

namespace scagent::registration {
namespace {

namespace asio = boost::asio;
using runtime::kNoThrow;
constexpr Millis kIdlePeriod{1000};  ///< how often to look again while nothing is registered

}  // namespace

HeartbeatScheduler::HeartbeatScheduler(asio::any_io_executor strand, RegistryClient& client,
                                       Source registrars)
    : strand_(strand),
      client_(client),
      source_(std::move(registrars)),
      timer_(strand),
      rng_(std::random_device{}()) {}

void HeartbeatScheduler::start(runtime::TaskGroup& group, runtime::Supervisor& supervisor) {
    supervisor.spawn(group, strand_, "registration.heartbeats",
                     [self = shared_from_this()](runtime::Supervisor::Checkpoint checkpoint) {
                         return self->loop(std::move(checkpoint));
                     });
}

void HeartbeatScheduler::stop() {
    asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->timer_.cancel();
    });
}

asio::awaitable<void> HeartbeatScheduler::loop(runtime::Supervisor::Checkpoint checkpoint) {
    auto keep_alive = shared_from_this();
    while (!stopped_) {
        checkpoint();
        const auto registrars = source_();
        Millis period = kIdlePeriod;
        if (!registrars.empty()) {
            period = registrars.front()->heartbeat_period();
            for (const auto& registrar : registrars) {
                period = std::min(period, registrar->heartbeat_period());
            }
        }
        timer_.expires_after(jittered(period, rng_));
        co_await timer_.async_wait(kNoThrow);
        if (!stopped_) {
            co_await beat(source_());
        }
    }
}

asio::awaitable<void> HeartbeatScheduler::beat(
    const std::vector<std::shared_ptr<Registrar>>& registrars) {
    std::vector<std::shared_ptr<Registrar>> due;
    std::vector<sc::HeartbeatEntry> entries;
    for (const auto& registrar : registrars) {
        if (auto target = registrar->heartbeat_target()) {
            due.push_back(registrar);
            entries.push_back(std::move(*target));
        }
    }
    if (entries.size() == 1) {
        const auto result =
            co_await client_.heartbeat(entries[0].service_id, entries[0].instance_id);
        due[0]->on_heartbeat(result);
        co_return;
    }
    if (entries.empty()) {
        co_return;
    }
    const auto result = co_await client_.heartbeat_batch(entries);
    for (std::size_t i = 0; i < due.size(); ++i) {
        if (!result) {
            due[i]->on_heartbeat(result.error());
            continue;
        }
        const auto& answers = *result;
        const auto answer = std::find_if(answers.begin(), answers.end(), [&](const auto& entry) {
            return entry.instance_id == entries[i].instance_id;
        });
        if (answer == answers.end() || answer->error_message.empty()) {
            due[i]->on_heartbeat(sc::Result<void>{});
        } else {
            // The batch answer carries only a message; a re-register (same instanceId) is right
            // for both "instance gone" and "service gone", and harmless otherwise.
            due[i]->on_heartbeat(sc::RegistryError{sc::ErrorKind::service,
                                                   std::string(sc::codes::kInstanceNotExists),
                                                   answer->error_message,
                                                   {},
                                                   400});
        }
    }
}

}  // namespace scagent::registration
