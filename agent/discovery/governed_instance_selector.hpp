#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "agent/discovery/instance_selector.hpp"
#include "plugins/governance/governed_selector.hpp"

namespace scagent::discovery {

/// Plugs GovernedSelector into the discovery API's `select` route
/// (`Discovery::set_selector`): the service is the cached set's key; the request (method, path,
/// headers, `hashKey` as affinity key) is what match groups and balancers see. The outcome route
/// should also call GovernedSelector::record_outcome so that isolation and the balancers
/// (WeightedResponse, LeastRequest) see the app's calls.
class GovernedInstanceSelector final : public InstanceSelector {
  public:
    explicit GovernedInstanceSelector(
        std::shared_ptr<plugins::governance::GovernedSelector> selector)
        : selector_(std::move(selector)) {}

    const plugins::Instance* select(const CachedSet& set,
                                    const std::vector<const plugins::Instance*>& candidates,
                                    const plugins::RequestView& request) noexcept override;

  private:
    std::shared_ptr<plugins::governance::GovernedSelector> selector_;
};

}  // namespace scagent::discovery
