#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/governance/governance_inputs.hpp"
#include "plugins/governance/snapshot.hpp"

namespace scagent::governance {

/// Where governance came from and how that source is doing; what `/v1/agent/governance` lists
/// under "sources".
struct SourceStatus {
    std::string type;  ///< "kie" or "file"
    std::string name;  ///< kie: the dimension; file: the path
    std::vector<std::pair<std::string, std::string>> labels;  ///< kie only
    std::optional<std::int64_t> revision;  ///< kie: the X-Kie-Revision last applied
    /// "pending" (nothing yet), "ok", "restored" (from the disk snapshot, kie not reached yet)
    /// or "error" (the last attempt failed; the last good items stay).
    std::string state = "pending";
    std::string error;
    std::size_t items = 0;  ///< enabled items this source currently contributes
};

/// Everything the store publishes in one atomic swap: the snapshot the request path uses, and
/// the inputs and source states it was built from (for the admin route and the disk snapshot).
struct GovernanceView {
    std::shared_ptr<const plugins::governance::GovernanceSnapshot> snapshot;
    std::vector<SourceStatus> sources;
    std::vector<RawInput> inputs;  ///< file items first, then kie dimensions, as merged
    std::uint64_t generation = 0;  ///< bumped on every publish
};

using GovernanceViewPtr = std::shared_ptr<const GovernanceView>;

}  // namespace scagent::governance
