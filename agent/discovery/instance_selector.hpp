#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/discovery/cached_set.hpp"
#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"

namespace scagent::discovery {

/// Picks the instance `GET /v1/services/{name}/select` answers. Round robin for now; the
/// governance issue replaces it with the service's load-balance policy (behind this interface,
/// so the route does not change).
class InstanceSelector {
  public:
    virtual ~InstanceSelector() = default;

    /// One of `candidates` (already filtered, bad instances removed), or nullptr when empty.
    /// `request`: what the app is about to send (method, path, headers for governance match
    /// groups; `affinity_key` = hashKey). Called concurrently from any thread; never blocks.
    virtual const plugins::Instance* select(const CachedSet& set,
                                            const std::vector<const plugins::Instance*>& candidates,
                                            const plugins::RequestView& request) noexcept = 0;
};

/// One counter for all services: fair enough per service when requests interleave, and free of
/// per-service state that would need expiring.
class RoundRobinSelector final : public InstanceSelector {
  public:
    const plugins::Instance* select(const CachedSet& set,
                                    const std::vector<const plugins::Instance*>& candidates,
                                    const plugins::RequestView& request) noexcept override;

  private:
    std::atomic<std::uint64_t> next_{0};
};

}  // namespace scagent::discovery
