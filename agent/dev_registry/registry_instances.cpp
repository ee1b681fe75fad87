#include <algorithm>
#include <cctype>

#include "agent/dev_registry/hashing.hpp"
#include "agent/dev_registry/registry_store.hpp"
#include "agent/dev_registry/validation.hpp"

namespace scagent::dev_registry {

namespace {

bool iequals_true(const std::string& s) {
    return s.size() == 4 && std::tolower(static_cast<unsigned char>(s[0])) == 't' &&
           std::tolower(static_cast<unsigned char>(s[1])) == 'r' &&
           std::tolower(static_cast<unsigned char>(s[2])) == 'u' &&
           std::tolower(static_cast<unsigned char>(s[3])) == 'e';
}

ApiError instance_missing() {
    return ApiError{kInstanceNotExists, "instance not exist"};
}

}  // namespace

Result<std::string> RegistryStore::register_instance(const std::string& tenant,
                                                     const std::string& sid, const Json& body) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    Service* s = find_service(tenant, sid);
    if (s == nullptr) {
        return ApiError{kServiceNotExists, "Invalid 'serviceID' in request body."};
    }
    return register_instance_locked(*s, body);
}

Result<std::string> RegistryStore::register_instance_locked(Service& service, const Json& body) {
    const Json* in = find_field(body, "instance");
    if (in == nullptr || !in->is_object()) {
        return ApiError{kInvalidParams, "field 'instance' is required"};
    }
    auto converted = convert_object(*in, instance_fields(), "instance");
    if (failed(converted)) {
        return std::get<ApiError>(converted);
    }
    OrderedJson doc = std::move(std::get<OrderedJson>(converted));
    doc["serviceId"] = str(service.doc, "serviceId");  // the path wins over the body
    if (auto error = validate_instance(doc)) {
        return *error;
    }
    if (str(doc, "status").empty()) {
        doc["status"] = "UP";
    }
    // Lease: absent or pull → 30/3; push → raised to at least 5 s and 3 times (spec §1.4.4).
    auto& hc = doc["healthCheck"];
    if (hc.is_null() || str(hc, "mode") == "pull") {
        const std::string mode = hc.is_null() ? "push" : "pull";
        hc = OrderedJson{{"mode", mode}, {"interval", 30}, {"times", 3}};
    } else {
        hc["interval"] = std::max(hc.value("interval", 0), 5);
        hc["times"] = std::max(hc.value("times", 0), 3);
        hc = reorder(hc, {{"mode", FieldSpec::Kind::kString},
                          {"port", FieldSpec::Kind::kInt32},
                          {"interval", FieldSpec::Kind::kInt32},
                          {"times", FieldSpec::Kind::kInt32},
                          {"url", FieldSpec::Kind::kString}});
    }
    const auto ttl = options_.instance_ttl.count() > 0
                         ? std::chrono::seconds(options_.instance_ttl)
                         : std::chrono::seconds(std::int64_t{hc.value("interval", 30)} *
                                                (std::int64_t{hc.value("times", 3)} + 1));
    const auto now = clock_.now();
    auto iid = str(doc, "instanceId");
    if (!iid.empty()) {
        // A supplied live id is heartbeaten and returned unchanged (sendHeartbeatInstead).
        if (auto it = service.instances.find(iid); it != service.instances.end()) {
            if (it->second.expires_at != plugins::Clock::TimePoint::max()) {
                it->second.expires_at = now + it->second.ttl;
            }
            return iid;
        }
    } else {
        iid = uuid4_hex();
    }
    if (instance_total_ >= options_.max_instances) {
        return ApiError{kNotEnoughQuota, "no quota to create instance"};
    }
    doc["instanceId"] = iid;
    doc["version"] = str(service.doc, "version");
    doc["timestamp"] = unix_seconds_now();
    doc["modTimestamp"] = doc["timestamp"];
    doc = reorder(doc, instance_fields());
    Instance instance{doc, ttl, now + ttl, ++mod_counter_};
    service.instances[iid] = std::move(instance);
    ++instance_total_;
    emit_locked(service, doc, "CREATE");
    return iid;
}

RegistryStore::InstanceRef RegistryStore::find_instance_locked(const std::string& tenant,
                                                               const std::string& sid,
                                                               const std::string& iid) {
    sweep_locked();
    Service* service = find_service(tenant, sid);
    if (service == nullptr) {
        return {};
    }
    auto it = service->instances.find(iid);
    if (it == service->instances.end()) {
        return {};
    }
    return {service, &it->second};
}

Result<Unit> RegistryStore::heartbeat(const std::string& tenant, const std::string& sid,
                                      const std::string& iid) {
    std::lock_guard lock(mutex_);
    auto [s, found] = find_instance_locked(tenant, sid, iid);
    if (found == nullptr) {
        return instance_missing();
    }
    if (found->expires_at != plugins::Clock::TimePoint::max()) {
        found->expires_at = clock_.now() + found->ttl;
    }
    return Unit{};
}

Result<OrderedJson> RegistryStore::heartbeat_many(const std::string& tenant, const Json& body) {
    const Json* list = find_field(body, "instances");
    if (list == nullptr || !list->is_array() || list->empty()) {
        return ApiError{kInvalidParams, "field 'instances' must be a non-empty array"};
    }
    std::set<std::pair<std::string, std::string>> seen;
    OrderedJson out;
    out["instances"] = OrderedJson::array();
    for (const auto& item : *list) {
        const Json* sid = find_field(item, "serviceId");
        const Json* iid = find_field(item, "instanceId");
        if (sid == nullptr || iid == nullptr || !sid->is_string() || !iid->is_string()) {
            return ApiError{kInvalidParams, "each item needs string serviceId and instanceId"};
        }
        const auto service_id = sid->get<std::string>();
        const auto instance_id = iid->get<std::string>();
        if (!seen.emplace(service_id, instance_id).second) {
            continue;
        }
        OrderedJson result{{"serviceId", service_id}, {"instanceId", instance_id}};
        auto r = heartbeat(tenant, service_id, instance_id);
        if (failed(r)) {
            const auto& e = std::get<ApiError>(r);
            result["errMessage"] = sc_message(e.code) + "(" + e.detail + ")";
        }
        out["instances"].push_back(std::move(result));
    }
    return out;
}

Result<Unit> RegistryStore::deregister(const std::string& tenant, const std::string& sid,
                                       const std::string& iid) {
    std::lock_guard lock(mutex_);
    auto [s, found] = find_instance_locked(tenant, sid, iid);
    if (found == nullptr) {
        return instance_missing();
    }
    remove_instance_locked(*s, iid, "DELETE");
    return Unit{};
}

Result<Unit> RegistryStore::set_status(const std::string& tenant, const std::string& sid,
                                       const std::string& iid, const std::string& status) {
    if (!is_instance_status(status)) {
        return ApiError{kInvalidParams,
                        "status must be UP, DOWN, STARTING, TESTING or "
                        "OUTOFSERVICE"};
    }
    std::lock_guard lock(mutex_);
    auto [s, found] = find_instance_locked(tenant, sid, iid);
    if (found == nullptr) {
        return instance_missing();
    }
    found->doc["status"] = status;
    found->doc["modTimestamp"] = unix_seconds_now();
    found->mod_rev = ++mod_counter_;
    emit_locked(*s, found->doc, "UPDATE");
    return Unit{};
}

Result<Unit> RegistryStore::put_instance_properties(const std::string& tenant,
                                                    const std::string& sid, const std::string& iid,
                                                    const Json& body) {
    static const std::vector<FieldSpec> kFields = {{"properties", FieldSpec::Kind::kStringMap}};
    auto converted = convert_object(body, kFields, "");
    if (failed(converted)) {
        return std::get<ApiError>(converted);
    }
    std::lock_guard lock(mutex_);
    auto [s, found] = find_instance_locked(tenant, sid, iid);
    if (found == nullptr) {
        return instance_missing();
    }
    auto& doc = found->doc;
    const auto& props = std::get<OrderedJson>(converted);
    if (props.contains("properties")) {
        doc["properties"] = props["properties"];
    } else {
        doc.erase("properties");
    }
    doc["modTimestamp"] = unix_seconds_now();
    doc = reorder(doc, instance_fields());
    found->mod_rev = ++mod_counter_;
    emit_locked(*s, doc, "UPDATE");
    return Unit{};
}

void RegistryStore::remove_instance_locked(Service& service, const std::string& iid,
                                           const char* action) {
    auto it = service.instances.find(iid);
    if (it == service.instances.end()) {
        return;
    }
    const OrderedJson doc = std::move(it->second.doc);
    service.instances.erase(it);
    --instance_total_;
    emit_locked(service, doc, action);
}

void RegistryStore::sweep_locked() {
    const auto now = clock_.now();
    for (auto& [key, service] : services_) {
        std::vector<std::string> expired;
        for (const auto& [iid, inst] : service.instances) {
            if (inst.expires_at <= now) {
                expired.push_back(iid);
            }
        }
        // Lease expiry reaches watchers as DELETE (spec §1.4.11).
        for (const auto& iid : expired) {
            remove_instance_locked(service, iid, "DELETE");
        }
    }
}

std::size_t RegistryStore::sweep() {
    std::lock_guard lock(mutex_);
    const auto before = instance_total_;
    sweep_locked();
    return before - instance_total_;
}

std::size_t RegistryStore::instance_count() {
    std::lock_guard lock(mutex_);
    return instance_total_;
}

void RegistryStore::emit_locked(const Service& service, const OrderedJson& instance,
                                const char* action) {
    if (!sink_) {
        return;
    }
    const auto env = str(service.doc, "environment");
    const auto app = str(service.doc, "appId");
    const auto name = str(service.doc, "serviceName");
    const auto alias = str(service.doc, "alias");
    const bool global = is_global(app, name);
    std::string frame;
    for (const auto& [consumer, keys] : dependencies_) {
        if (consumer.compare(0, service.tenant.size() + 1, service.tenant + "|") != 0 && !global) {
            continue;
        }
        const bool depends = std::any_of(keys.begin(), keys.end(), [&](const DependencyKey& k) {
            const auto& [kenv, kapp, kname] = k;
            return kapp == app && (global || kenv == env) && (kname == name || kname == alias);
        });
        if (!depends) {
            continue;
        }
        if (frame.empty()) {
            OrderedJson key = OrderedJson::object();
            key["tenant"] = service.tenant;
            for (const char* f : {"environment", "appId", "serviceName", "version"}) {
                if (auto v = str(service.doc, f); !v.empty()) {
                    key[f] = v;
                }
            }
            frame = OrderedJson{{"action", action}, {"key", key}, {"instance", instance}}.dump();
        }
        sink_(consumer, frame);
    }
}

OrderedJson RegistryStore::self_instances() {
    std::lock_guard lock(mutex_);
    OrderedJson out = OrderedJson::object();
    if (Service* s = find_service("default/default", self_service_id_)) {
        for (const auto& [iid, inst] : s->instances) {
            out["instances"].push_back(inst.doc);
        }
    }
    return out;
}

bool RegistryStore::allowed(const Service& consumer, const Service& provider) const {
    if (str(consumer.doc, "appId") != str(provider.doc, "appId")) {
        const auto props = provider.doc.value("properties", OrderedJson::object());
        if (!iequals_true(props.value("allowCrossApp", std::string()))) {
            return false;
        }
    }
    if (str(consumer.doc, "environment") != str(provider.doc, "environment")) {
        return is_global(str(provider.doc, "appId"), str(provider.doc, "serviceName"));
    }
    return true;
}

std::string RegistryStore::revision_of(const std::vector<const Instance*>& instances) const {
    std::uint64_t max_rev = 0;
    for (const auto* inst : instances) {
        max_rev = std::max(max_rev, inst->mod_rev);
    }
    return sha1_hex(std::to_string(max_rev) + "." + std::to_string(instances.size()) + ",");
}

}  // namespace scagent::dev_registry
