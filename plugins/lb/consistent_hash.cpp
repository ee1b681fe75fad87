#include <algorithm>
#include <string>

#include "plugins/lb/balancers.hpp"

namespace scagent::plugins::lb {

namespace {

// Identifies the candidate list (ids and order) without keeping a copy of it.
std::uint64_t fingerprint_of(Candidates candidates) noexcept {
    std::uint64_t h = candidates.size();
    for (const Instance* instance : candidates) {
        h = stable_hash(instance->instance_id, h);
    }
    return h;
}

}  // namespace

void ConsistentHash::rebuild(Candidates candidates, std::uint64_t fingerprint) {
    ring_.clear();
    ring_.reserve(candidates.size() * kVirtualNodes);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& id = candidates[i]->instance_id;
        for (int v = 0; v < kVirtualNodes; ++v) {
            ring_.emplace_back(stable_hash(id, static_cast<std::uint64_t>(v)),
                               static_cast<std::uint32_t>(i));
        }
    }
    std::sort(ring_.begin(), ring_.end());
    fingerprint_ = fingerprint;
    ring_for_size_ = candidates.size();
}

const Instance* ConsistentHash::pick(Candidates candidates, const RequestView& request,
                                     const Excluded& excluded) {
    if (request.affinity_key.empty() || candidates.empty()) {
        return fallback_.pick(candidates, request, excluded);
    }
    const std::uint64_t fingerprint = fingerprint_of(candidates);
    const std::uint64_t point = stable_hash(request.affinity_key);
    std::lock_guard lock(mutex_);
    if (fingerprint != fingerprint_ || ring_for_size_ != candidates.size() || ring_.empty()) {
        rebuild(candidates, fingerprint);
    }
    auto it = std::lower_bound(ring_.begin(), ring_.end(),
                               std::pair<std::uint64_t, std::uint32_t>{point, 0});
    // Walk clockwise past excluded instances; give up after one full turn.
    for (std::size_t step = 0; step < ring_.size(); ++step, ++it) {
        if (it == ring_.end()) {
            it = ring_.begin();
        }
        const Instance* instance = candidates[it->second];
        if (!excluded.contains(instance->instance_id)) {
            return instance;
        }
    }
    return nullptr;
}

}  // namespace scagent::plugins::lb
