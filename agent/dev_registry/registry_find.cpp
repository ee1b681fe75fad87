// Discovery reads of RegistryStore: find, get instance(s), batch find, providers.
#include <algorithm>

#include "agent/dev_registry/registry_store.hpp"
#include "agent/dev_registry/validation.hpp"

namespace scagent::dev_registry {

namespace {

ApiError consumer_missing(const std::string& consumer_id) {
    return ApiError{kServiceNotExists, "Consumer[" + consumer_id + "] does not exist."};
}

}  // namespace

Result<RegistryStore::Found> RegistryStore::find(const std::string& tenant,
                                                 const FindQuery& query) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    return find_locked(tenant, query);
}

Result<RegistryStore::Found> RegistryStore::find_locked(const std::string& tenant,
                                                        const FindQuery& query) {
    std::string env = query.env;
    const Service* consumer = nullptr;
    if (!query.consumer_id.empty()) {
        consumer = find_service(tenant, query.consumer_id);
        if (consumer == nullptr) {
            return consumer_missing(query.consumer_id);
        }
        // The consumer's environment is the one searched (spec §1.1).
        env = str(consumer->doc, "environment");
    }
    if (auto error = validate_find(query.app, query.name, env)) {
        return *error;
    }
    auto services = match_services(tenant, env, query.app, query.name);
    if (services.empty()) {
        return ApiError{kServiceNotExists, "Provider[" + query.app + "/" + query.name +
                                               "] does not exist in env '" + env + "'."};
    }
    if (consumer != nullptr) {
        // Recorded on every successful find: drives watch pushes and /providers.
        dependencies_[consumer_key(tenant, query.consumer_id)].emplace(env, query.app, query.name);
    }
    std::vector<const Instance*> result;
    for (const Service* s : services) {
        const bool has_tags =
            std::all_of(query.tags.begin(), query.tags.end(),
                        [&](const std::string& t) { return s->tags.contains(t); });
        if (!has_tags || (consumer != nullptr && !allowed(*consumer, *s))) {
            continue;
        }
        for (const auto& [iid, inst] : s->instances) {
            result.push_back(&inst);
        }
    }
    Found found;
    for (const auto* inst : result) {
        found.instances.push_back(inst->doc);
    }
    found.revision = revision_of(result);
    return found;
}

Result<RegistryStore::Found> RegistryStore::get_instances(const std::string& tenant,
                                                          const std::string& sid,
                                                          const std::string& consumer_id) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    return get_instances_locked(tenant, sid, {}, consumer_id);
}

Result<RegistryStore::Found> RegistryStore::get_instance(const std::string& tenant,
                                                         const std::string& sid,
                                                         const std::string& iid,
                                                         const std::string& consumer_id) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    return get_instances_locked(tenant, sid, iid, consumer_id);
}

Result<RegistryStore::Found> RegistryStore::get_instances_locked(const std::string& tenant,
                                                                 const std::string& sid,
                                                                 const std::string& iid,
                                                                 const std::string& consumer_id) {
    if (!consumer_id.empty() && find_service(tenant, consumer_id) == nullptr) {
        return consumer_missing(consumer_id);
    }
    const Service* s = find_service(tenant, sid);
    if (s == nullptr) {
        return ApiError{kServiceNotExists, "Provider[" + sid + "] does not exist."};
    }
    std::vector<const Instance*> result;
    for (const auto& [id, inst] : s->instances) {
        if (iid.empty() || id == iid) {
            result.push_back(&inst);
        }
    }
    if (!iid.empty() && result.empty()) {
        return ApiError{kInstanceNotExists, "Instance[" + iid + "] does not exist."};
    }
    Found found;
    for (const auto* inst : result) {
        found.instances.push_back(inst->doc);
    }
    found.revision = revision_of(result);
    return found;
}

Result<OrderedJson> RegistryStore::batch_find(const std::string& tenant,
                                              const std::string& consumer_id, const Json& body) {
    const Json* services = find_field(body, "services");
    const Json* instances = find_field(body, "instances");
    const bool has_services = services != nullptr && services->is_array() && !services->empty();
    const bool has_instances = instances != nullptr && instances->is_array() && !instances->empty();
    if (!has_services && !has_instances) {
        return ApiError{kInvalidParams, "'services' or 'instances' must be a non-empty array"};
    }
    std::lock_guard lock(mutex_);
    sweep_locked();
    if (!consumer_id.empty() && find_service(tenant, consumer_id) == nullptr) {
        return consumer_missing(consumer_id);
    }
    // One BatchFindResult: updated, notModified, failed grouped by error code.
    const auto run = [&](const Json& list, auto&& lookup) {
        OrderedJson updated = OrderedJson::array();
        OrderedJson not_modified = OrderedJson::array();
        std::map<std::int32_t, std::pair<OrderedJson, ApiError>> failures;
        for (std::size_t index = 0; index < list.size(); ++index) {
            const Json& item = list[index];
            std::string rev;
            if (const Json* r = find_field(item, "rev"); r != nullptr && r->is_string()) {
                rev = r->get<std::string>();
            }
            Result<Found> found = lookup(item);
            if (failed(found)) {
                auto& f = failures[std::get<ApiError>(found).code];
                f.first.push_back(index);
                f.second = std::get<ApiError>(found);
                continue;
            }
            auto& value = std::get<Found>(found);
            if (!rev.empty() && rev == value.revision) {
                not_modified.push_back(index);
                continue;
            }
            OrderedJson entry{{"index", index}, {"rev", value.revision}};
            if (!value.instances.empty()) {
                entry["instances"] = std::move(value.instances);
            }
            updated.push_back(std::move(entry));
        }
        OrderedJson out = OrderedJson::object();
        if (!updated.empty()) {
            out["updated"] = std::move(updated);
        }
        if (!not_modified.empty()) {
            out["notModified"] = std::move(not_modified);
        }
        for (auto& [code, f] : failures) {
            OrderedJson error{{"errorCode", std::to_string(code)},
                              {"errorMessage", sc_message(code)}};
            if (!f.second.detail.empty()) {
                error["detail"] = f.second.detail;
            }
            out["failed"].push_back(OrderedJson{{"indexes", f.first}, {"error", error}});
        }
        return out;
    };
    const auto string_of = [](const Json* object, const char* key) {
        const Json* v = object == nullptr ? nullptr : find_field(*object, key);
        return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
    };
    OrderedJson out = OrderedJson::object();
    if (has_services) {
        out["services"] = run(*services, [&](const Json& item) -> Result<Found> {
            const Json* key = find_field(item, "service");
            FindQuery q{string_of(key, "appId"),
                        string_of(key, "serviceName"),
                        string_of(key, "environment"),
                        consumer_id,
                        {}};
            return find_locked(tenant, q);
        });
    }
    if (has_instances) {
        out["instances"] = run(*instances, [&](const Json& item) -> Result<Found> {
            const Json* key = find_field(item, "instance");
            return get_instances_locked(tenant, string_of(key, "serviceId"),
                                        string_of(key, "instanceId"), consumer_id);
        });
    }
    return out;
}

Result<OrderedJson> RegistryStore::providers(const std::string& tenant,
                                             const std::string& consumer_id) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    if (find_service(tenant, consumer_id) == nullptr) {
        return consumer_missing(consumer_id);
    }
    OrderedJson out = OrderedJson::object();
    auto it = dependencies_.find(consumer_key(tenant, consumer_id));
    if (it == dependencies_.end()) {
        return out;
    }
    for (const auto& [env, app, name] : it->second) {
        for (const Service* s : match_services(tenant, env, app, name)) {
            out["providers"].push_back(s->doc);
        }
    }
    return out;
}

}  // namespace scagent::dev_registry
