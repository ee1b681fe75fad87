#include "plugins/governance/match/match_group.hpp"

#include <algorithm>
#include <cctype>

#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

namespace {

std::string upper(std::string s) {
    for (auto& c : s) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
}

}  // namespace

bool parse_named_conditions(const YAML::Node& node, const std::string& path,
                            OperatorDialect operators, bool any_of, NamedConditions& out,
                            ItemErrors& errors) {
    if (!node.IsMap()) {
        add_error(errors, node, path, "must be a mapping of name to operators");
        return false;
    }
    bool ok = check_keys(node, path, errors);
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
            continue;
        }
        ConditionSet set;
        if (parse_condition_set(kv.second, join_path(path, kv.first.Scalar()), operators, any_of,
                                set, errors)) {
            out.emplace_back(kv.first.Scalar(), std::move(set));
        } else {
            ok = false;
        }
    }
    return ok;
}

bool MatchEntry::matches(const RequestView& request) const {
    if (methods) {
        const std::string method = methods_upper_case ? upper(request.method) : request.method;
        if (std::find(methods->begin(), methods->end(), method) == methods->end()) {
            return false;
        }
    }
    if (api_path && !api_path->matches(request.path)) {
        return false;
    }
    for (const auto& [name, set] : headers) {
        const std::string* value = request.header(name);
        if (value == nullptr || !set.matches(*value)) {
            return false;
        }
    }
    for (const auto& [name, set] : queries) {
        const std::string* value = request.query_param(name);
        if (value == nullptr || !set.matches(*value)) {
            return false;
        }
    }
    return !service_name || *service_name == request.service_name;
}

bool MatchGroupConfig::matches(const RequestView& request) const {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const MatchEntry& e) { return e.matches(request); });
}

bool parse_match_entry(const YAML::Node& node, const std::string& path, MatchDialect dialect,
                       OperatorDialect operators, MatchEntry& out, ItemErrors& errors) {
    const std::size_t before = errors.size();
    Fields f(node, path, errors);
    if (!f.is_map()) {
        return false;
    }
    const bool go = dialect == MatchDialect::kGo;
    MatchEntry entry;
    f.read("name", entry.name);
    std::vector<std::string> methods;
    // go-chassis structs spell it `method`; some of its docs say `methods`.
    const char* method_key = go && !f.has("method") ? "methods" : "method";
    if (f.read(method_key, methods)) {
        entry.methods_upper_case = go;
        if (go) {
            for (auto& m : methods) {
                m = upper(std::move(m));
            }
        }
        entry.methods = std::move(methods);
    }
    if (auto api = f.get("apiPath"); api.IsDefined()) {
        ConditionSet set;
        if (parse_condition_set(api, f.path_of("apiPath"), operators, go, set, errors)) {
            entry.api_path = std::move(set);
        }
    }
    if (auto headers = f.get("headers"); headers.IsDefined()) {
        parse_named_conditions(headers, f.path_of("headers"), operators, false, entry.headers,
                               errors);
    }
    if (auto queries = f.get("queries"); queries.IsDefined()) {
        parse_named_conditions(queries, f.path_of("queries"), operators, go, entry.queries, errors);
    }
    std::string service_name;
    if (f.read("serviceName", service_name)) {
        entry.service_name = std::move(service_name);
    }
    if (f.has("customMatcher")) {
        f.error("customMatcher", "is not supported by sc-agent (it names a Java bean)");
    }
    if (errors.size() != before) {
        return false;
    }
    out = std::move(entry);
    return true;
}

std::shared_ptr<const MatchGroupConfig> parse_match_group(const YAML::Node& root, std::string name,
                                                          MatchDialect dialect,
                                                          ItemErrors& errors) {
    return parse_policy<MatchGroupConfig>(
        root, std::move(name), errors, [&](Fields& f, MatchGroupConfig* config) {
            config->dialect = dialect;
            if (dialect == MatchDialect::kGo &&
                f.read("trafficMarkPolicy", config->traffic_mark_policy) &&
                config->traffic_mark_policy != "once" &&
                config->traffic_mark_policy != "perService") {
                f.error("trafficMarkPolicy",
                        "must be once or perService, got '" + config->traffic_mark_policy + "'");
            }
            auto matches = f.get("matches");
            if (!matches.IsDefined()) {
                f.error("matches", "is required: a list of at least one match");
            } else if (!matches.IsSequence() || matches.size() == 0) {
                f.error("matches", "must be a list of at least one match");
            } else {
                const auto operators =
                    dialect == MatchDialect::kGo ? OperatorDialect::kGo : OperatorDialect::kJava;
                for (std::size_t i = 0; i < matches.size(); ++i) {
                    MatchEntry entry;
                    if (parse_match_entry(matches[i], "matches[" + std::to_string(i) + "]", dialect,
                                          operators, entry, errors)) {
                        config->entries.push_back(std::move(entry));
                    }
                }
            }
        });
}

}  // namespace scagent::plugins::governance
