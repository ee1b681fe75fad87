#include "agent/registration/probe_state.hpp"

#include <algorithm>

namespace scagent::registration {

std::string_view to_string(AppHealth health) noexcept {
    switch (health) {
        case AppHealth::kUp:
            return "up";
        case AppHealth::kDown:
            return "down";
        case AppHealth::kUnknown:
            break;
    }
    return "unknown";
}

ProbeState::ProbeState(int rise, int fall) noexcept
    : rise_(std::max(rise, 1)), fall_(std::max(fall, 1)) {}

std::optional<AppHealth> ProbeState::record(bool passed) noexcept {
    if (passed) {
        failures_ = 0;
        ++passes_;
        if (health_ != AppHealth::kUp && passes_ >= rise_) {
            health_ = AppHealth::kUp;
            return health_;
        }
    } else {
        passes_ = 0;
        ++failures_;
        if (health_ != AppHealth::kDown && failures_ >= fall_) {
            health_ = AppHealth::kDown;
            return health_;
        }
    }
    return std::nullopt;
}

}  // namespace scagent::registration
