#pragma once

#include <chrono>

namespace scagent::plugins {

/// Monotonic time source injected into every policy, lease table and cache so that tests can
/// move time by hand instead of sleeping. Implementations must be thread-safe.
class Clock {
  public:
    using Duration = std::chrono::steady_clock::duration;
    using TimePoint = std::chrono::steady_clock::time_point;

    virtual ~Clock() = default;
    virtual TimePoint now() const noexcept = 0;
};

/// The real monotonic clock.
class SteadyClock final : public Clock {
  public:
    TimePoint now() const noexcept override { return std::chrono::steady_clock::now(); }
};

/// Process-wide real clock, for production wiring.
Clock& system_clock();

}  // namespace scagent::plugins
