#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "agent/discovery/cached_set.hpp"
#include "plugins/api/clock.hpp"
#include "plugins/discovery/instance_filter.hpp"

namespace scagent::api {

/// The header every discovery answer carries: the CachedSet index to pass back as `index=`.
constexpr std::string_view kIndexHeader = "X-Sc-Agent-Index";

/// An error answer of the local API: HTTP status plus the stable UPPER_SNAKE code.
struct ApiError {
    unsigned status = 500;
    std::string code;
    std::string message;

    bool operator==(const ApiError&) const = default;
};

/// {"error":{"code":"...","message":"..."}}
std::string error_body(const ApiError& error);

/// 400 BAD_REQUEST; the message starts with the parameter's name: "version: invalid ...".
ApiError bad_request(std::string_view parameter, std::string_view detail);
/// 404: the registry says there is no such service (or it is dropped by the access filter).
ApiError service_not_found(const discovery::CacheKey& key);
/// 503: the registry cannot be reached and nothing is cached for this key.
ApiError registry_unavailable(const discovery::CacheKey& key);
/// 503: a new key would pass limits.max_watched_services (unknown names included).
ApiError too_many_services(const discovery::CacheKey& key);
/// 404: an outcome names an instance no cached set of the service holds (nothing recorded).
ApiError instance_not_found(std::string_view service, std::string_view instance_id);
/// 503: the service exists but no instance passes the filters (select, proxy).
ApiError no_instance(const discovery::CacheKey& key, std::string_view filters);

/// The body of `GET /v1/services/{name}/instances` (agent-interface.md):
/// {"app","service","env","revision","source","ageSeconds","index","instances":[...]}.
/// Pure: same inputs, same JSON.
nlohmann::json instances_answer(const discovery::CachedSet& set,
                                const plugins::discovery::InstanceFilter& filter,
                                plugins::Clock::TimePoint now);

/// instances_answer(...) serialised, built from the set's pre-rendered instances (the hot path:
/// no per-instance JSON work). Falls back to instances_answer when the set has none.
std::string render_instances_answer(const discovery::CachedSet& set,
                                    const plugins::discovery::InstanceFilter& filter,
                                    plugins::Clock::TimePoint now);

/// The body of `select`: the instances answer's envelope with one "instance" instead of the list.
/// `chosen` must point into set.set->instances.
nlohmann::json select_answer(const discovery::CachedSet& set, const plugins::Instance& chosen,
                             plugins::Clock::TimePoint now);

}  // namespace scagent::api
