#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/governance/snapshot.hpp"
#include "plugins/registry/servicecomb/kie_codec.hpp"

namespace scagent::governance {

/// One governance item as fetched, before parsing: what the disk snapshot stores so that a
/// restart during a config-center outage keeps governance.
struct RawInput {
    std::string key;
    std::string value;
    std::string source;         ///< "kie:app", "kie:service", "kie:version" or "file:<path>"
    std::int64_t revision = 0;  ///< the KV's update_revision; 0 for file items

    bool operator==(const RawInput&) const = default;
};

/// The KVs of one list answer that take effect: only `enabled` ones (kie returns disabled KVs
/// too and java-chassis drops them client-side, spec §3.2).
std::vector<RawInput> enabled_inputs(const std::vector<plugins::servicecomb::KvDoc>& docs,
                                     const std::string& source);

/// Concatenates the sources in override order, lowest first: the local file, then each kie
/// dimension. GovernanceSnapshot::build lets the last item of a key win.
std::vector<plugins::governance::GovernanceInput> merge_inputs(
    const std::vector<RawInput>& file, const std::vector<std::vector<RawInput>>& dimensions);

/// The result of reading `governance_file`.
struct FileInputs {
    std::vector<RawInput> inputs;
    std::string error;  ///< non-empty: the file as a whole is unusable (the last good one stays)
};

/// Reads a YAML mapping of kie key → YAML text. A value may also be written as a nested
/// mapping or list, which is re-emitted as YAML text. A duplicate key is a file error (yaml-cpp
/// would silently keep one of them).
FileInputs read_governance_file(const std::string& path);

}  // namespace scagent::governance
