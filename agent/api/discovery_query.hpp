#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/api/discovery_responses.hpp"
#include "agent/discovery/cached_set.hpp"
#include "plugins/discovery/instance_filter.hpp"

namespace scagent::api {

enum class DiscoveryRoute { kInstances, kSelect };

/// What a request may leave out.
struct DiscoveryDefaults {
    std::string app = "default";  ///< the local service's app
    std::string env;              ///< the local service's environment
    /// `index` without `wait` blocks this long (Consul's default).
    std::chrono::milliseconds wait = std::chrono::minutes(5);
};

/// The parsed query of `instances` or `select`.
struct DiscoveryQuery {
    discovery::CacheKey key;
    plugins::discovery::InstanceFilter filter;
    /// Set: a blocking query, answer when the cache index differs from this or `wait` is over.
    std::optional<std::uint64_t> index;
    std::chrono::milliseconds wait{0};
    std::string hash_key;  ///< select only
};

struct DiscoveryQueryOrError {
    DiscoveryQuery query;
    std::optional<ApiError> error;  ///< BAD_REQUEST naming the parameter
};

constexpr std::chrono::milliseconds kMaxBlockingWait = std::chrono::minutes(10);

/// Parses `raw_query` (after '?', percent-encoded as RFC 3986: '+' is a plus, not a space) for
/// `route` and the path's service name. `instances` takes app, env, version, tags, status, index,
/// wait; `select` takes app, env, version, tags, status, hashKey. Unknown or repeated parameters
/// are rejected, so a typo such as `verison=` fails loudly instead of silently returning every
/// version.
DiscoveryQueryOrError parse_discovery_query(DiscoveryRoute route, std::string_view service,
                                            std::string_view raw_query,
                                            const DiscoveryDefaults& defaults);

}  // namespace scagent::api
