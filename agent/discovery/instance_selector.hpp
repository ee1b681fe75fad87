#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/discovery/cached_set.hpp"
#include "plugins/api/instance.hpp"
#include "plugins/api/request_view.hpp"

namespace scagent::discovery {

/// What `GET /v1/services/{name}/select` and `POST .../outcome` talk to: picks an instance
/// (skipping isolated ones) and keeps the per-instance state the outcomes feed. The daemon
/// installs the governed one (GovernedInstanceSelector) with `Discovery::set_selector`.
class InstanceSelector {
  public:
    virtual ~InstanceSelector() = default;

    /// One of `candidates` (already filtered), or nullptr when none is left once isolated
    /// instances are skipped. `request`: what the app is about to send (method, path, headers
    /// for governance match groups; `affinity_key` = hashKey). Called concurrently from any
    /// thread; never blocks.
    virtual const plugins::Instance* select(const CachedSet& set,
                                            const std::vector<const plugins::Instance*>& candidates,
                                            const plugins::RequestView& request) noexcept = 0;
    /// A call the app made to `instance_id` (a cached instance of `service`) ended.
    virtual void record_outcome(std::string_view service, std::string_view instance_id,
                                bool success, std::chrono::milliseconds latency) noexcept = 0;
    /// Drops the state of services and instances the provider cache no longer holds.
    virtual void retain(const std::set<std::string, std::less<>>& services,
                        const std::set<std::string, std::less<>>& instance_ids) = 0;
};

}  // namespace scagent::discovery
