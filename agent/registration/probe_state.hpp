#pragma once

#include <optional>
#include <string_view>

namespace scagent::registration {

/// What the local app's probe concluded so far.
enum class AppHealth { kUnknown, kUp, kDown };

std::string_view to_string(AppHealth health) noexcept;

/// Rise/fall hysteresis over probe outcomes, pure and clock-free.
///
/// Invariants:
///  1. From kUnknown or kDown, `rise` consecutive passes make kUp; from kUnknown or kUp, `fall`
///     consecutive failures make kDown. Any opposite outcome restarts the streak.
///  2. record() returns the new state only when it changed.
class ProbeState {
  public:
    ProbeState(int rise, int fall) noexcept;

    std::optional<AppHealth> record(bool passed) noexcept;
    AppHealth health() const noexcept { return health_; }

  private:
    int rise_;
    int fall_;
    int passes_ = 0;
    int failures_ = 0;
    AppHealth health_ = AppHealth::kUnknown;
};

}  // namespace scagent::registration
