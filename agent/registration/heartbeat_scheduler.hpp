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

    void start();
    void stop();
    /// False once the loop has ended (after stop(), when the heartbeat in flight returned).
    bool running() const noexcept { return running_; }

  private:
    boost::asio::awaitable<void> loop();
    boost::asio::awaitable<void> beat(const std::vector<std::shared_ptr<Registrar>>& registrars);

    boost::asio::any_io_executor strand_;
    RegistryClient& client_;
    Source source_;
    boost::asio::steady_timer timer_;
    plugins::SeededRng rng_;
    bool stopped_ = false;
    bool running_ = false;  ///< strand-only
};

}  // namespace scagent::registration
