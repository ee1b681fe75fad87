#pragma once

#include <atomic>
#include <cstdint>

namespace scagent::proxy {

/// Caps retries so that they cannot multiply an outage (Envoy's retry budget, Finagle's
/// RetryBudget): retries in flight may be at most `ratio` of the calls in flight, and never
/// fewer than `min_concurrent`. Shared by every event loop; lock-free.
class RetryBudget {
  public:
    explicit RetryBudget(double ratio = 0.2, std::int64_t min_concurrent = 3)
        : ratio_(ratio), min_concurrent_(min_concurrent) {}

    void call_started() noexcept { active_.fetch_add(1, std::memory_order_relaxed); }
    void call_ended() noexcept { active_.fetch_sub(1, std::memory_order_relaxed); }

    /// True when one more retry fits the budget; it then counts until retry_ended().
    bool try_start_retry() noexcept {
        const auto active = active_.load(std::memory_order_relaxed);
        const auto allowed = std::max<std::int64_t>(
            min_concurrent_, static_cast<std::int64_t>(static_cast<double>(active) * ratio_));
        auto current = retries_.load(std::memory_order_relaxed);
        while (current < allowed) {
            if (retries_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed)) {
                return true;
            }
        }
        return false;
    }
    void retry_ended() noexcept { retries_.fetch_sub(1, std::memory_order_relaxed); }

    std::int64_t active() const noexcept { return active_.load(std::memory_order_relaxed); }
    std::int64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }

  private:
    const double ratio_;
    const std::int64_t min_concurrent_;
    std::atomic<std::int64_t> active_{0};
    std::atomic<std::int64_t> retries_{0};
};

}  // namespace scagent::proxy
