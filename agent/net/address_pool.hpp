#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/api/clock.hpp"

namespace scagent::net {

struct AddressPoolOptions {
    int failure_threshold = 3;                    ///< consecutive failures before isolation
    std::chrono::milliseconds isolation{30'000};  ///< time before an isolated address is re-probed
};

/// The addresses of one registry cluster (`registry.addresses`), picked round-robin.
///
/// Invariants:
///  1. An address is isolated once it has `failure_threshold` consecutive failures; any success
///     clears its count and isolation.
///  2. When its isolation has elapsed, an address is handed out once as a probe and stays
///     isolated for another period unless that probe reports success (half-open, one probe).
///  3. pick() never returns nothing: with every address isolated it returns the one whose
///     isolation ends first, because trying beats failing without trying.
///
/// Pure logic over an injected clock; thread-safe.
class AddressPool {
  public:
    /// `addresses` must not be empty (config validation guarantees it).
    AddressPool(std::vector<std::string> addresses, const plugins::Clock& clock,
                AddressPoolOptions options = {});

    /// The next address to try. `avoid` (the address that just failed) is skipped unless it is
    /// the only usable one.
    std::string pick(std::string_view avoid = {});
    void report_success(std::string_view address);
    void report_failure(std::string_view address);

    bool isolated(std::string_view address) const;
    const std::vector<std::string>& addresses() const noexcept { return addresses_; }

  private:
    struct State {
        int failures = 0;
        std::optional<plugins::Clock::TimePoint> isolated_until;
    };
    State* find(std::string_view address);

    std::vector<std::string> addresses_;
    const plugins::Clock& clock_;
    AddressPoolOptions options_;
    mutable std::mutex mutex_;
    std::vector<State> states_;  ///< parallel to addresses_
    std::size_t cursor_ = 0;
};

}  // namespace scagent::net
