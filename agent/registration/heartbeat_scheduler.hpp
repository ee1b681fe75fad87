#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "agent/registration/registrar.hpp"

namespace scagent::registration {

/// One heartbeat cadence for every registered local service: each tick (the shortest
/// registrar period, jittered ±10%) sends one PUT heartbeat for a single instance or one
/// PUT /heartbeats for several, and hands each registrar its own outcome.
///
/// Runs on the registrars' strand; create with std::make_shared.
class HeartbeatScheduler : public std::enable_shared_from_this<HeartbeatScheduler> {
  public:
    using Source = std::function<std::vector<std::shared_ptr<Registrar>>()>;

    HeartbeatScheduler(boost::asio::any_io_executor strand, RegistryClient& client,
                       Source registrars);

    /// Starts the loop in `group` (the owner awaits the group to know it has ended).
    void start(runtime::TaskGroup& group, runtime::Supervisor& supervisor);
    void stop();

  private:
    boost::asio::awaitable<void> loop(runtime::Supervisor::Checkpoint checkpoint);
    boost::asio::awaitable<void> beat(const std::vector<std::shared_ptr<Registrar>>& registrars);

    boost::asio::any_io_executor strand_;
    RegistryClient& client_;
    Source source_;
    boost::asio::steady_timer timer_;
    plugins::SeededRng rng_;
    bool stopped_ = false;  ///< strand-only
};

}  // namespace scagent::registration
