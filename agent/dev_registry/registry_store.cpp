#include "agent/dev_registry/registry_store.hpp"

#include <algorithm>

#include "agent/dev_registry/hashing.hpp"
#include "agent/dev_registry/validation.hpp"

namespace scagent::dev_registry {

namespace {

std::string service_key(const std::string& tenant, const std::string& sid) {
    return tenant + "|" + sid;
}

}  // namespace

RegistryStore::RegistryStore(plugins::Clock& clock, RegistryStoreOptions options, WatchSink sink)
    : clock_(clock), options_(std::move(options)), sink_(std::move(sink)) {}

std::string RegistryStore::index_key(const std::string& tenant, const OrderedJson& doc) const {
    return "/cse-sr/ms/indexes/" + tenant + "/" + str(doc, "environment") + "/" +
           str(doc, "appId") + "/" + str(doc, "serviceName") + "/" + str(doc, "version");
}

RegistryStore::Service* RegistryStore::find_service(const std::string& tenant,
                                                    const std::string& sid) {
    auto it = services_.find(service_key(tenant, sid));
    return it == services_.end() ? nullptr : &it->second;
}

bool RegistryStore::is_global(const std::string& app, const std::string& name) {
    return app == "default" && name == "SERVICECENTER";
}

std::vector<RegistryStore::Service*> RegistryStore::match_services(const std::string& tenant,
                                                                   const std::string& env,
                                                                   const std::string& app,
                                                                   const std::string& name) {
    // SC itself is global: found from any domain and any environment.
    const bool global = is_global(app, name);
    const std::string& scope = global ? std::string("default/default") : tenant;
    std::vector<Service*> out;
    for (auto& [key, s] : services_) {
        if (s.tenant != scope || str(s.doc, "appId") != app) {
            continue;
        }
        if (!global && str(s.doc, "environment") != env) {
            continue;
        }
        if (str(s.doc, "serviceName") == name || str(s.doc, "alias") == name) {
            out.push_back(&s);
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Service* a, const Service* b) { return a->created < b->created; });
    return out;
}

void RegistryStore::register_self(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    const std::string tenant = "default/default";
    OrderedJson doc;
    doc["appId"] = "default";
    doc["serviceName"] = "SERVICECENTER";
    doc["version"] = options_.self_version;
    doc["level"] = "BACK";
    doc["status"] = "UP";
    doc["properties"] = {{"allowCrossApp", "true"}};
    doc["timestamp"] = unix_seconds_now();
    doc["alias"] = "SERVICECENTER";
    doc["modTimestamp"] = doc["timestamp"];
    if (!options_.self_environment.empty()) {
        doc["environment"] = options_.self_environment;
    }
    const auto key = index_key(tenant, doc);
    self_service_id_ = sha1_hex(key);
    doc["serviceId"] = self_service_id_;
    Service service{tenant, reorder(doc, service_fields()), {}, {}, ++created_counter_};
    index_[key] = self_service_id_;
    auto& stored = services_[service_key(tenant, self_service_id_)] = std::move(service);

    OrderedJson inst;
    inst["instanceId"] = uuid4_hex();
    inst["serviceId"] = self_service_id_;
    inst["endpoints"] = {"rest://" + endpoint + "/"};
    inst["hostName"] = "dev-registry";
    inst["status"] = "UP";
    inst["healthCheck"] = {{"mode", "push"}, {"interval", 30}, {"times", 3}};
    inst["timestamp"] = unix_seconds_now();
    inst["modTimestamp"] = inst["timestamp"];
    inst["version"] = options_.self_version;
    // SC heartbeats itself; here the lease simply never runs out.
    Instance instance{inst, std::chrono::seconds(120), plugins::Clock::TimePoint::max(),
                      ++mod_counter_};
    stored.instances.emplace(str(inst, "instanceId"), std::move(instance));
    ++instance_total_;
}

Result<std::string> RegistryStore::create_service(const std::string& tenant, const Json& body) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    const Json* in = find_field(body, "service");
    if (in == nullptr || !in->is_object()) {
        return ApiError{kInvalidParams, "field 'service' is required"};
    }
    auto converted = convert_object(*in, service_fields(), "service");
    if (failed(converted)) {
        return std::get<ApiError>(converted);
    }
    OrderedJson doc = std::move(std::get<OrderedJson>(converted));
    // SetServiceDefaultValue: environment deliberately has no default.
    for (auto [field, value] : {std::pair{"appId", "default"},
                                {"version", "0.0.1"},
                                {"level", "BACK"},
                                {"status", "UP"}}) {
        if (str(doc, field).empty()) {
            doc[field] = value;
        }
    }
    if (auto error = validate_service(doc)) {
        return *error;
    }
    std::map<std::string, std::string> tags;
    if (const Json* t = find_field(body, "tags"); t != nullptr && !t->is_null()) {
        if (!t->is_object()) {
            return ApiError{kInvalidParams, "field 'tags' must be an object of strings"};
        }
        for (const auto& [k, v] : t->items()) {
            if (!v.is_string()) {
                return ApiError{kInvalidParams, "field 'tags' must be an object of strings"};
            }
            tags[k] = v.get<std::string>();
        }
    }
    const Json* instances = find_field(body, "instances");
    if (instances != nullptr && !instances->is_null() && !instances->is_array()) {
        return ApiError{kInvalidParams, "field 'instances' must be an array"};
    }

    const auto key = index_key(tenant, doc);
    const auto requested = str(doc, "serviceId");
    if (auto it = index_.find(key); it != index_.end()) {
        if (!requested.empty() && requested != it->second) {
            return ApiError{kServiceAlreadyExists,
                            "ServiceID conflict or found the same service with different id."};
        }
        return it->second;
    }
    if (!requested.empty() && find_service(tenant, requested) != nullptr) {
        return ApiError{kServiceAlreadyExists,
                        "ServiceID conflict or found the same service with different id."};
    }
    if (services_.size() >= options_.max_services) {
        return ApiError{kNotEnoughQuota, "no quota to create service"};
    }
    const auto sid = requested.empty() ? sha1_hex(key) : requested;
    doc["serviceId"] = sid;
    doc["timestamp"] = unix_seconds_now();
    doc["modTimestamp"] = doc["timestamp"];
    index_[key] = sid;
    auto& service = services_[service_key(tenant, sid)] =
        Service{tenant, reorder(doc, service_fields()), std::move(tags), {}, ++created_counter_};
    if (instances != nullptr && instances->is_array()) {
        for (const auto& item : *instances) {
            auto registered = register_instance_locked(service, Json{{"instance", item}});
            if (failed(registered)) {
                return std::get<ApiError>(registered);
            }
        }
    }
    return sid;
}

Result<std::string> RegistryStore::exist_service(const std::string& tenant, const std::string& env,
                                                 const std::string& app, const std::string& name,
                                                 const std::string& version) {
    std::lock_guard lock(mutex_);
    auto matches = match_services(tenant, env, app, name);
    if (matches.empty()) {
        return ApiError{kServiceNotExists, "micro-service does not exist"};
    }
    for (const auto* s : matches) {
        if (str(s->doc, "version") == version) {
            return str(s->doc, "serviceId");
        }
    }
    return ApiError{kServiceVersionNotExists, "micro-service version does not exist"};
}

Result<OrderedJson> RegistryStore::get_service(const std::string& tenant, const std::string& sid) {
    std::lock_guard lock(mutex_);
    const Service* s = find_service(tenant, sid);
    if (s == nullptr) {
        return ApiError{kServiceNotExists, "Service does not exist."};
    }
    OrderedJson out;
    out["service"] = s->doc;
    return out;
}

OrderedJson RegistryStore::list_services(const std::string& tenant) {
    std::lock_guard lock(mutex_);
    std::vector<const Service*> list;
    for (const auto& [key, s] : services_) {
        if (s.tenant == tenant) {
            list.push_back(&s);
        }
    }
    std::sort(list.begin(), list.end(),
              [](const Service* a, const Service* b) { return a->created < b->created; });
    OrderedJson out = OrderedJson::object();
    for (const auto* s : list) {
        out["services"].push_back(s->doc);
    }
    return out;
}

bool RegistryStore::service_exists(const std::string& tenant, const std::string& sid) {
    std::lock_guard lock(mutex_);
    return find_service(tenant, sid) != nullptr;
}

Result<Unit> RegistryStore::delete_service(const std::string& tenant, const std::string& sid,
                                           bool force) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    Service* s = find_service(tenant, sid);
    if (s == nullptr) {
        return ApiError{kServiceNotExists, "Service does not exist."};
    }
    if (sid == self_service_id_ && tenant == "default/default") {
        return ApiError{kInvalidParams, "Not allow to delete service center"};
    }
    if (!force && !s->instances.empty()) {
        return ApiError{kDeployedInstance, "Can not delete this service, other instances exist."};
    }
    while (!s->instances.empty()) {
        remove_instance_locked(*s, s->instances.begin()->first, "DELETE");
    }
    index_.erase(index_key(tenant, s->doc));
    dependencies_.erase(service_key(tenant, sid));
    services_.erase(service_key(tenant, sid));
    return Unit{};
}

Result<Unit> RegistryStore::put_service_properties(const std::string& tenant,
                                                   const std::string& sid, const Json& body) {
    std::lock_guard lock(mutex_);
    Service* s = find_service(tenant, sid);
    if (s == nullptr) {
        return ApiError{kServiceNotExists, "Service does not exist."};
    }
    static const std::vector<FieldSpec> kFields = {{"properties", FieldSpec::Kind::kStringMap}};
    const Json* props = find_field(body, "properties");
    OrderedJson replacement = OrderedJson::object();
    if (props != nullptr && !props->is_null()) {
        auto converted = convert_object(Json{{"properties", *props}}, kFields, "");
        if (failed(converted)) {
            return std::get<ApiError>(converted);
        }
        replacement = std::get<OrderedJson>(converted).value("properties", OrderedJson::object());
    }
    // PutServiceProperties replaces the whole map.
    if (replacement.empty()) {
        s->doc.erase("properties");
    } else {
        s->doc["properties"] = replacement;
    }
    if (const Json* fw = find_field(body, "framework"); fw != nullptr && fw->is_object()) {
        auto converted = convert_object(
            *fw, {{"name", FieldSpec::Kind::kString}, {"version", FieldSpec::Kind::kString}},
            "framework");
        if (failed(converted)) {
            return std::get<ApiError>(converted);
        }
        s->doc["framework"] = std::get<OrderedJson>(converted);
    }
    s->doc["modTimestamp"] = unix_seconds_now();
    s->doc = reorder(s->doc, service_fields());
    return Unit{};
}

}  // namespace scagent::dev_registry
