#include "agent/discovery/cached_set.hpp"

namespace scagent::discovery {

std::string CacheKey::to_string() const {
    std::string out = app + "/" + service;
    if (!env.empty()) {
        out += "@" + env;
    }
    return out;
}

std::string_view to_string(Source source) noexcept {
    switch (source) {
        case Source::kLive:
            return "live";
        case Source::kCache:
            return "cache";
        case Source::kDisk:
            return "disk";
    }
    return "live";
}

std::int64_t CachedSet::age_seconds(plugins::Clock::TimePoint now) const noexcept {
    if (now <= fetched_at) {
        return 0;
    }
    return std::chrono::duration_cast<std::chrono::seconds>(now - fetched_at).count();
}

}  // namespace scagent::discovery
