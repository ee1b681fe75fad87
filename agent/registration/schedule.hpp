#pragma once

#include <chrono>

#include "plugins/api/rng.hpp"

namespace scagent::registration {

using Millis = std::chrono::milliseconds;

/// How often to heartbeat a lease of `interval_seconds` x (`times` + 1): a quarter of the TTL
/// (spec §2.3), but never less often than the interval the registry expects, never below
/// 100 ms. `scale` (1.0 in production) shortens it for tests.
Millis heartbeat_period(int interval_seconds, int times, double scale = 1.0);

/// `period` moved uniformly within ±10%, so that many agents restarted together (a rollout)
/// do not heartbeat in lockstep.
Millis jittered(Millis period, plugins::Rng& rng);

/// Exponential backoff for failed registration attempts: 1 s, 2 s, 4 s, ... capped at 30 s,
/// each jittered ±10%. reset() after a success.
class Backoff {
  public:
    static constexpr Millis kInitial{1000};
    static constexpr Millis kCap{30'000};

    explicit Backoff(Millis initial = kInitial, Millis cap = kCap) : initial_(initial), cap_(cap) {}

    /// The wait before the next attempt; each call doubles the base up to the cap.
    Millis next(plugins::Rng& rng);
    void reset() noexcept { attempts_ = 0; }
    int attempts() const noexcept { return attempts_; }

  private:
    Millis initial_;
    Millis cap_;
    int attempts_ = 0;
};

}  // namespace scagent::registration
