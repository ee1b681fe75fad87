#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/api/discovery_responses.hpp"
#include "agent/discovery/cached_set.hpp"
#include "plugins/api/request_view.hpp"
#include "plugins/discovery/instance_filter.hpp"

namespace scagent::api {

enum class DiscoveryRoute { kInstances, kSelect };

/// One local service: its name picks it as the consumer; its app and environment are the
/// defaults of that consumer's queries.
struct ConsumerDefaults {
    std::string name;
    std::string app = "default";
    std::string env;
};

/// What a request may leave out.
struct DiscoveryDefaults {
    std::string app = "default";  ///< the local service's app
    std::string env;              ///< the local service's environment
    /// `index` without `wait` blocks this long (Consul's default).
    std::chrono::milliseconds wait = std::chrono::minutes(5);
    /// Every local service. `consumer=` or the X-Sc-Consumer header picks one (it must be one of
    /// these), whose app and environment then replace `app` and `env`. Without either, `app` and
    /// `env` apply when the local services agree on them; when they do not, a query that leaves
    /// out `app` or `env` is refused with 400 CONSUMER_REQUIRED.
    std::vector<ConsumerDefaults> consumers;
};

/// The parsed query of `instances` or `select`.
struct DiscoveryQuery {
    discovery::CacheKey key;
    plugins::discovery::InstanceFilter filter;
    /// Set: a blocking query, answer when the cache index differs from this or `wait` is over.
    std::optional<std::uint64_t> index;
    std::chrono::milliseconds wait{0};
    std::string hash_key;  ///< select only
    /// select only: `method`, `path` and `header=k:v` (repeatable), what governance match
    /// groups of the target service see.
    plugins::RequestView request;
};

struct DiscoveryQueryOrError {
    DiscoveryQuery query;
    std::optional<ApiError> error;  ///< BAD_REQUEST naming the parameter
};

constexpr std::chrono::milliseconds kMaxBlockingWait = std::chrono::minutes(10);

/// Parses `raw_query` (after '?', percent-encoded as RFC 3986: '+' is a plus, not a space) for
/// `route` and the path's service name. `instances` takes app, env, version, tags, status, index,
/// wait, consumer; `select` takes app, env, version, tags, status, hashKey, method, path, header
/// (k:v, repeatable), consumer. Unknown or repeated parameters are rejected, so a typo such as
/// `verison=` fails loudly instead of silently returning every version. `consumer_header` is
/// the request's X-Sc-Consumer (empty: none); `consumer=` wins over it.
DiscoveryQueryOrError parse_discovery_query(DiscoveryRoute route, std::string_view service,
                                            std::string_view raw_query,
                                            const DiscoveryDefaults& defaults,
                                            std::string_view consumer_header = {});

}  // namespace scagent::api
