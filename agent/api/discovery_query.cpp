#include "agent/api/discovery_query.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <array>
#include <charconv>
#include <set>

#include "config/duration.hpp"
#include "config/names.hpp"

namespace scagent::api {
namespace {

constexpr std::array<std::string_view, 7> kInstancesParams = {"app",    "env",   "version", "tags",
                                                              "status", "index", "wait"};
constexpr std::array<std::string_view, 6> kSelectParams = {"app",  "env",    "version",
                                                           "tags", "status", "hashKey"};

template <std::size_t N>
std::string list_of(const std::array<std::string_view, N>& names) {
    std::string out;
    for (std::string_view name : names) {
        out += out.empty() ? "" : ", ";
        out += name;
    }
    return out;
}

template <std::size_t N>
bool known(const std::array<std::string_view, N>& names, std::string_view name) {
    for (std::string_view candidate : names) {
        if (candidate == name) {
            return true;
        }
    }
    return false;
}

/// Applies one decoded parameter; returns the error detail, "" when fine.
std::string apply(DiscoveryQuery& query, const std::string& name, const std::string& value) {
    if (name == "app") {
        if (value.empty()) {
            return "must not be empty";
        }
        query.key.app = value;
        return config::check_app_id(value);
    }
    if (name == "env") {
        query.key.env = value;
        return config::check_environment(value);
    }
    if (name == "version") {
        auto parsed = plugins::discovery::parse_version_rule(value);
        query.filter.version = parsed.rule;
        return parsed.error;
    }
    if (name == "tags") {
        auto parsed = plugins::discovery::parse_tag_filter(value);
        query.filter.tags = std::move(parsed.filter);
        return parsed.error;
    }
    if (name == "status") {
        auto parsed = plugins::discovery::parse_status_filter(value);
        query.filter.status = std::move(parsed.filter);
        return parsed.error;
    }
    if (name == "index") {
        std::uint64_t index = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), index);
        if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size()) {
            return "must be the unsigned integer of a previous " + std::string(kIndexHeader) +
                   " header, got \"" + value + "\"";
        }
        query.index = index;
        return {};
    }
    if (name == "wait") {
        std::string error;
        auto wait = config::parse_duration(value, &error);
        if (!wait) {
            return error + " (e.g. 30s, 5m)";
        }
        if (*wait > kMaxBlockingWait) {
            return "at most 10m, got \"" + value + "\"";
        }
        query.wait = *wait;
        return {};
    }
    // hashKey: any text; a consistent-hash or sticky balancer hashes it.
    query.hash_key = value;
    return {};
}

}  // namespace

DiscoveryQueryOrError parse_discovery_query(DiscoveryRoute route, std::string_view service,
                                            std::string_view raw_query,
                                            const DiscoveryDefaults& defaults) {
    DiscoveryQueryOrError out;
    DiscoveryQuery& query = out.query;
    query.key = {defaults.app, std::string(service), defaults.env};
    if (auto error = config::check_service_name(std::string(service)); !error.empty()) {
        out.error = bad_request("name", error);
        return out;
    }
    if (raw_query.starts_with('?')) {
        raw_query.remove_prefix(1);
    }
    auto parsed = boost::urls::parse_query(raw_query);
    if (!parsed) {
        out.error = bad_request("query", "not a valid query string");
        return out;
    }
    // Validated above, so this constructor (which throws on bad input) cannot throw here. Not
    // form encoding: '+' stays '+' (`version=1.2.0+`); a space is %20.
    boost::urls::params_view params(raw_query, boost::urls::encoding_opts(false));
    std::set<std::string, std::less<>> seen;
    bool wait_given = false;
    for (auto param : params) {
        if (param.key.empty() && !param.has_value) {
            continue;  // "a=1&&b=2"
        }
        bool allowed = route == DiscoveryRoute::kInstances ? known(kInstancesParams, param.key)
                                                           : known(kSelectParams, param.key);
        if (!allowed) {
            std::string names = route == DiscoveryRoute::kInstances ? list_of(kInstancesParams)
                                                                    : list_of(kSelectParams);
            out.error = bad_request(param.key, "unknown parameter; this route takes " + names);
            return out;
        }
        if (!seen.insert(param.key).second) {
            out.error = bad_request(param.key, "given more than once");
            return out;
        }
        wait_given = wait_given || param.key == "wait";
        if (auto error = apply(query, param.key, param.value); !error.empty()) {
            out.error = bad_request(param.key, error);
            return out;
        }
    }
    if (query.index && !wait_given) {
        query.wait = defaults.wait;
    }
    if (!query.index) {
        query.wait = std::chrono::milliseconds::zero();
    }
    return out;
}

}  // namespace scagent::api
