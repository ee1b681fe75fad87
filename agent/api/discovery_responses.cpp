#include "agent/api/discovery_responses.hpp"

#include "agent/discovery/instance_json.hpp"

namespace scagent::api {
namespace {

using nlohmann::json;

json envelope(const discovery::CachedSet& set, plugins::Clock::TimePoint now) {
    return json{{"app", set.key.app},
                {"service", set.key.service},
                {"env", set.key.env},
                {"revision", set.revision},
                {"source", discovery::to_string(set.source)},
                {"ageSeconds", set.age_seconds(now)},
                {"index", set.index}};
}

const discovery::DataCenterInfo& center_of(const discovery::CachedSet& set,
                                           const plugins::Instance& instance) {
    // Pointer arithmetic is valid: the instance comes from this very set (documented contract).
    auto position = static_cast<std::size_t>(&instance - set.set->instances.data());
    return set.data_centers[position];
}

}  // namespace

std::string error_body(const ApiError& error) {
    return json{{"error", {{"code", error.code}, {"message", error.message}}}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
}

ApiError bad_request(std::string_view parameter, std::string_view detail) {
    return {400, "BAD_REQUEST", std::string(parameter) + ": " + std::string(detail)};
}

ApiError service_not_found(const discovery::CacheKey& key) {
    std::string env = key.env.empty() ? std::string() : " in environment \"" + key.env + "\"";
    return {404, "SERVICE_NOT_FOUND",
            "service \"" + key.service + "\" of app \"" + key.app + "\"" + env +
                " is not registered (check the name, the app= parameter and env=)"};
}

ApiError instance_not_found(std::string_view service, std::string_view instance_id) {
    return {404, "INSTANCE_NOT_FOUND",
            "instanceId: \"" + std::string(instance_id) +
                "\" is not a cached instance of service \"" + std::string(service) +
                "\" (report outcomes for instances returned by select or instances)"};
}

ApiError registry_unavailable(const discovery::CacheKey& key) {
    return {503, "REGISTRY_UNAVAILABLE",
            "the registry cannot be reached and nothing is cached for " + key.to_string() +
                "; retry later"};
}

ApiError too_many_services(const discovery::CacheKey& key) {
    return {503, "TOO_MANY_SERVICES",
            "the agent already caches limits.max_watched_services services, so it does not start "
            "caching " +
                key.to_string() + "; unused ones are dropped after 10 minutes, or raise the limit"};
}

ApiError no_instance(const discovery::CacheKey& key, std::string_view filters) {
    std::string detail = filters.empty() ? std::string() : " matching " + std::string(filters);
    return {503, "NO_INSTANCE", "no available instance of " + key.to_string() + detail};
}

json instances_answer(const discovery::CachedSet& set,
                      const plugins::discovery::InstanceFilter& filter,
                      plugins::Clock::TimePoint now) {
    json answer = envelope(set, now);
    json instances = json::array();
    for (const plugins::Instance* instance :
         plugins::discovery::filter_instances(*set.set, filter)) {
        instances.push_back(discovery::instance_to_json(*instance, center_of(set, *instance)));
    }
    answer["instances"] = std::move(instances);
    return answer;
}

std::string render_instances_answer(const discovery::CachedSet& set,
                                    const plugins::discovery::InstanceFilter& filter,
                                    plugins::Clock::TimePoint now) {
    if (!set.rendered || set.rendered->size() != set.set->instances.size()) {
        return instances_answer(set, filter, now)
            .dump(-1, ' ', false, json::error_handler_t::replace);
    }
    // The envelope's keys sort before and after "instances" (nlohmann orders keys), so the list
    // is spliced in at its sorted place: ageSeconds, app, env, index | instances | revision, ...
    json head = {{"ageSeconds", set.age_seconds(now)},
                 {"app", set.key.app},
                 {"env", set.key.env},
                 {"index", set.index}};
    json tail = {{"revision", set.revision},
                 {"service", set.key.service},
                 {"source", discovery::to_string(set.source)}};
    std::string out = head.dump(-1, ' ', false, json::error_handler_t::replace);
    out.back() = ',';
    out += "\"instances\":[";
    const auto& rendered = *set.rendered;
    bool first = true;
    for (const plugins::Instance* instance :
         plugins::discovery::filter_instances(*set.set, filter)) {
        auto position = static_cast<std::size_t>(instance - set.set->instances.data());
        if (!first) {
            out += ',';
        }
        first = false;
        out += rendered[position];
    }
    out += "],";
    std::string rest = tail.dump(-1, ' ', false, json::error_handler_t::replace);
    out.append(rest, 1);  // without its '{'
    return out;
}

json select_answer(const discovery::CachedSet& set, const plugins::Instance& chosen,
                   plugins::Clock::TimePoint now) {
    json answer = envelope(set, now);
    answer["instance"] = discovery::instance_to_json(chosen, center_of(set, chosen));
    return answer;
}

}  // namespace scagent::api
