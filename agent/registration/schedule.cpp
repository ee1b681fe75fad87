#include "agent/registration/schedule.hpp"

#include <algorithm>

namespace scagent::registration {

Millis heartbeat_period(int interval_seconds, int times, double scale) {
    const Millis interval = std::chrono::seconds(std::max(interval_seconds, 1));
    const Millis quarter_ttl = interval * (std::max(times, 0) + 1) / 4;
    const Millis period = std::min(interval, std::max(quarter_ttl, Millis(1)));
    const auto scaled = static_cast<Millis::rep>(static_cast<double>(period.count()) * scale);
    return std::max(Millis(scaled), Millis(100));
}

Millis jittered(Millis period, plugins::Rng& rng) {
    // unit() is in [0, 1): the factor lands in [0.9, 1.1).
    const double factor = 0.9 + 0.2 * rng.unit();
    return Millis(static_cast<Millis::rep>(static_cast<double>(period.count()) * factor));
}

Millis Backoff::next(plugins::Rng& rng) {
    Millis base = initial_;
    for (int i = 0; i < attempts_ && base < cap_; ++i) {
        base *= 2;
    }
    ++attempts_;
    return std::min(jittered(std::min(base, cap_), rng), cap_);
}

}  // namespace scagent::registration
