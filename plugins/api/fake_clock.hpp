#pragma once

#include <atomic>

#include "plugins/api/clock.hpp"

namespace scagent::plugins {

/// A clock that only moves when told to; for tests and simulations.
class FakeClock final : public Clock {
  public:
    explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(1)) : now_(start) {}

    TimePoint now() const noexcept override { return now_.load(); }
    void advance(Duration by) noexcept { now_.store(now_.load() + by); }
    void set(TimePoint to) noexcept { now_.store(to); }

  private:
    std::atomic<TimePoint> now_;
};

}  // namespace scagent::plugins
