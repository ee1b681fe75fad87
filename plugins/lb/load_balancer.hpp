#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/governance/common.hpp"

namespace scagent::plugins::lb {

/// The instances a pick may choose from, usually what route rules left of an InstanceSet.
using Candidates = std::span<const Instance* const>;

/// Chooses one provider instance per attempt. Implementations never block and never do I/O;
/// they may be called from several threads at once and keep their own small locks.
class LoadBalancer {
  public:
    virtual ~LoadBalancer() = default;

    /// The CSE rule name, e.g. "RoundRobin".
    virtual std::string_view name() const noexcept = 0;
    /// An instance of `candidates` not in `excluded`, or nullptr when there is none.
    virtual const Instance* pick(Candidates candidates, const RequestView& request,
                                 const Excluded& excluded) = 0;
    /// Convenience for a whole InstanceSet (allocates a pointer view).
    const Instance* pick(const InstanceSet& set, const RequestView& request,
                         const Excluded& excluded);

    /// The proxy reports every attempt it starts and, exactly once, how it ended: with an
    /// outcome, or abandoned (the client left or the proxy stopped; nothing to learn from).
    virtual void on_attempt_start(const Instance& /*instance*/) noexcept {}
    virtual void on_attempt_end(const Instance& /*instance*/,
                                const governance::CallOutcome& /*outcome*/) noexcept {}
    virtual void on_attempt_abandoned(const Instance& /*instance*/) noexcept {}
    /// Forgets what it keeps about instances whose id is not in `live` (gone from the cache).
    virtual void retain_instances(const std::set<std::string, std::less<>>& /*live*/) {}
};

std::vector<const Instance*> pointers_of(const InstanceSet& set);
std::size_t count_eligible(Candidates candidates, const Excluded& excluded) noexcept;
/// The n-th (0-based) candidate not in `excluded`; n must be < count_eligible().
const Instance* nth_eligible(Candidates candidates, const Excluded& excluded,
                             std::size_t n) noexcept;
/// A fixed 64-bit hash (same value on every run of a little-endian host), for hash rings.
std::uint64_t stable_hash(std::string_view text, std::uint64_t seed = 0) noexcept;

}  // namespace scagent::plugins::lb
