#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace scagent::governance {

/// Who this agent fetches governance for: the labels kie items are selected by.
struct GovernanceIdentity {
    std::string app = "default";
    std::string service;  ///< empty: only the app dimension is polled
    std::string version;  ///< empty: no version dimension
    std::string environment;
};

/// One list request of java-chassis' ConfigurationsRequestFactory (spec §3.3): its own labels,
/// exact match, its own revision and long poll.
struct KieDimension {
    std::string name;  ///< "app", "service" or "version"; also the input source "kie:<name>"
    std::vector<std::pair<std::string, std::string>> labels;
};

/// The dimensions in override order (later ones win on the same key). `environment` is always
/// sent, even when empty, because kie's exact match needs `environment:""` to match an empty one.
std::vector<KieDimension> kie_dimensions(const GovernanceIdentity& identity);

/// The dimensions of several local services: every service's app, service and version
/// dimensions, each distinct label set once, in override order (all app dimensions, then all
/// service dimensions, then all version dimensions). A kind with one dimension keeps the plain
/// name ("service"); with several, each is named after its labels ("service:shop/cart").
std::vector<KieDimension> kie_dimensions(std::span<const GovernanceIdentity> identities);

}  // namespace scagent::governance
