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

constexpr std::array<std::string_view, 8> kInstancesParams = {
    "app", "env", "version", "tags", "status", "index", "wait", "consumer"};
constexpr std::array<std::string_view, 10> kSelectParams = {
    "app", "env", "version", "tags", "status", "hashKey", "method", "path", "header", "consumer"};
/// At most this many `header=` parameters in one select (every size from outside is capped).
constexpr std::size_t kMaxHeaders = 32;

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
    if (name == "method") {
        if (value.empty() || value.size() > 32) {
            return "must be an HTTP method such as GET";
        }
        query.request.method = value;
        return {};
    }
    if (name == "path") {
        if (!value.starts_with('/')) {
            return "must start with '/', got \"" + value + "\"";
        }
        query.request.path = value.substr(0, value.find('?'));
        return {};
    }
    if (name == "header") {
        const auto colon = value.find(':');
        if (colon == std::string::npos || colon == 0) {
            return "must be name:value, got \"" + value + "\"";
        }
        if (query.request.headers.size() >= kMaxHeaders) {
            return "at most " + std::to_string(kMaxHeaders) + " headers";
        }
        // A repeated name keeps its first value, like the proxy will.
        query.request.headers.emplace(value.substr(0, colon), value.substr(colon + 1));
        return {};
    }
    if (name == "consumer") {
        return {};  // resolved before the other parameters
    }
    // hashKey: any text; a consistent-hash or sticky balancer hashes it.
    query.hash_key = value;
    return {};
}

/// The defaults of the consumer named by `consumer` (query parameter, else header), or an error
/// when it is not a local service. No consumer: the common defaults, and whether the local
/// services disagree on them (then `app` and `env` must be given).
std::optional<ApiError> consumer_defaults(const DiscoveryDefaults& defaults,
                                          std::string_view consumer, std::string_view from,
                                          std::string& app, std::string& env, bool& ambiguous) {
    app = defaults.app;
    env = defaults.env;
    ambiguous = false;
    if (consumer.empty()) {
        for (const auto& local : defaults.consumers) {
            ambiguous = ambiguous || local.app != defaults.app || local.env != defaults.env;
        }
        return std::nullopt;
    }
    std::string names;
    for (const auto& local : defaults.consumers) {
        if (local.name == consumer) {
            app = local.app;
            env = local.env;
            return std::nullopt;
        }
        names += (names.empty() ? "" : ", ") + local.name;
    }
    return bad_request(from, "'" + std::string(consumer) + "' is not a local service" +
                                 (names.empty() ? std::string() : "; local services: " + names));
}

}  // namespace

DiscoveryQueryOrError parse_discovery_query(DiscoveryRoute route, std::string_view service,
                                            std::string_view raw_query,
                                            const DiscoveryDefaults& defaults,
                                            std::string_view consumer_header) {
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
    // A copy: Boost.URL 1.81's parse_query (also behind params_view) measures its input with
    // strlen, so a view into the middle of a request target would run past the query.
    const std::string text(raw_query);
    auto parsed = boost::urls::parse_query(text);
    if (!parsed) {
        out.error = bad_request("query", "not a valid query string");
        return out;
    }
    // Validated above, so this constructor (which throws on bad input) cannot throw here. Not
    // form encoding: '+' stays '+' (`version=1.2.0+`); a space is %20.
    boost::urls::params_view params(text, boost::urls::encoding_opts(false));
    std::string consumer(consumer_header);
    std::string_view consumer_from = "X-Sc-Consumer";
    for (auto param : params) {
        if (param.key == "consumer") {
            consumer = param.value;
            consumer_from = "consumer";
        }
    }
    bool ambiguous = false;
    if (auto error = consumer_defaults(defaults, consumer, consumer_from, query.key.app,
                                       query.key.env, ambiguous)) {
        out.error = std::move(error);
        return out;
    }
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
        if (!seen.insert(param.key).second && param.key != "header") {
            out.error = bad_request(param.key, "given more than once");
            return out;
        }
        wait_given = wait_given || param.key == "wait";
        if (auto error = apply(query, param.key, param.value); !error.empty()) {
            out.error = bad_request(param.key, error);
            return out;
        }
    }
    if (ambiguous && (!seen.contains("app") || !seen.contains("env"))) {
        std::string names;
        for (const auto& local : defaults.consumers) {
            names += (names.empty() ? "" : ", ") + local.name;
        }
        out.error = ApiError{400, "CONSUMER_REQUIRED",
                             "the local services (" + names +
                                 ") differ in app or environment: name the calling one with "
                                 "consumer= or X-Sc-Consumer, or give both app and env"};
        return out;
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
