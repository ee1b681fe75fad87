#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "agent/discovery/instance_selector.hpp"
#include "plugins/governance/governed_selector.hpp"

namespace scagent::discovery {

/// Plugs GovernedSelector into the discovery API (`Discovery::set_selector`): for `select` the
/// service is the cached set's key and the request (method, path, headers, `hashKey` as
/// affinity key) is what match groups and balancers see; `outcome` feeds its isolation and
/// balancers (WeightedResponse, LeastRequest).
class GovernedInstanceSelector final : public InstanceSelector {
  public:
    explicit GovernedInstanceSelector(
        std::shared_ptr<plugins::governance::GovernedSelector> selector)
        : selector_(std::move(selector)) {}

    const plugins::Instance* select(const CachedSet& set,
                                    const std::vector<const plugins::Instance*>& candidates,
                                    const plugins::RequestView& request) noexcept override;
    void record_outcome(std::string_view service, std::string_view instance_id, bool success,
                        std::chrono::milliseconds latency) noexcept override;
    void retain(const std::set<std::string, std::less<>>& services,
                const std::set<std::string, std::less<>>& instance_ids) override;

  private:
    std::shared_ptr<plugins::governance::GovernedSelector> selector_;
};

}  // namespace scagent::discovery
