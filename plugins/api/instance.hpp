#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/api/properties.hpp"

namespace scagent::plugins {

/// One provider instance as the discovery cache and load balancers see it. A plain value: the
/// cache builds these from service-center responses; nothing here knows about the wire format.
struct Instance {
    std::string instance_id;
    std::string service_id;
    std::string version;
    /// As registered, e.g. "rest://10.0.0.5:8080?sslEnabled=false".
    std::vector<std::string> endpoints;
    /// The address the proxy connects to, taken from the preferred endpoint.
    std::string host;
    std::uint16_t port = 0;
    /// "UP", "DOWN", "STARTING", "TESTING", "OUTOFSERVICE".
    std::string status = "UP";
    /// Instance properties; route-rule tags other than `version` are matched against these.
    Properties properties;

    bool operator==(const Instance&) const = default;
};

/// An immutable list of a service's instances at one cache revision. Published as
/// `std::shared_ptr<const InstanceSet>` and swapped whole; never mutated after publication.
struct InstanceSet {
    std::vector<Instance> instances;
    /// Opaque, monotonically changing; equal revisions mean equal `instances`.
    std::uint64_t revision = 0;
};

using InstanceSetPtr = std::shared_ptr<const InstanceSet>;

/// Instance ids a pick must skip (isolated by instance isolation, already tried, ...).
struct Excluded {
    std::set<std::string, std::less<>> ids;

    bool contains(std::string_view id) const { return !ids.empty() && ids.count(id) != 0; }
    bool empty() const { return ids.empty(); }
};

}  // namespace scagent::plugins
