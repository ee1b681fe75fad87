#include "plugins/lb/load_balancer.hpp"

#include <cstring>

namespace scagent::plugins::lb {

const Instance* LoadBalancer::pick(const InstanceSet& set, const RequestView& request,
                                   const Excluded& excluded) {
    auto pointers = pointers_of(set);
    return pick(Candidates(pointers), request, excluded);
}

std::vector<const Instance*> pointers_of(const InstanceSet& set) {
    std::vector<const Instance*> out;
    out.reserve(set.instances.size());
    for (const auto& instance : set.instances) {
        out.push_back(&instance);
    }
    return out;
}

std::size_t count_eligible(Candidates candidates, const Excluded& excluded) noexcept {
    if (excluded.empty()) {
        return candidates.size();
    }
    std::size_t n = 0;
    for (const Instance* instance : candidates) {
        n += excluded.contains(instance->instance_id) ? 0 : 1;
    }
    return n;
}

const Instance* nth_eligible(Candidates candidates, const Excluded& excluded,
                             std::size_t n) noexcept {
    if (excluded.empty()) {
        return n < candidates.size() ? candidates[n] : nullptr;
    }
    for (const Instance* instance : candidates) {
        if (!excluded.contains(instance->instance_id)) {
            if (n == 0) {
                return instance;
            }
            --n;
        }
    }
    return nullptr;
}

namespace {

std::uint64_t mix(std::uint64_t x) noexcept {
    // A 64-bit finaliser: spreads every input bit over the output.
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

}  // namespace

std::uint64_t stable_hash(std::string_view text, std::uint64_t seed) noexcept {
    std::uint64_t h = mix(seed ^ (text.size() * 0x9e3779b97f4a7c15ULL));
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + i, 8);
        h = mix(h ^ word) + 0x9e3779b97f4a7c15ULL;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, text.data() + i, text.size() - i);
    return mix(h ^ tail);
}

}  // namespace scagent::plugins::lb
