#include "plugins/registry/servicecomb/model.hpp"

#include <nlohmann/json.hpp>
#include <tuple>

#include "plugins/registry/servicecomb/json_fields.hpp"

namespace scagent::plugins::servicecomb {
namespace {

// Each wire type lists its fields once, as {JSON name, member}; to_json and from_json both walk
// that list. Per member type: strings, lists and maps are omitted when empty and read when
// present and not null; ints are omitted when 0 and may arrive quoted; optionals are written when
// set; nested structs are omitted when they encode to {}. Unknown JSON fields are ignored.
template <class Struct, class Member>
struct Field {
    const char* name;
    Member Struct::*member;
};
// Spelled out for compilers without aggregate deduction (clang before 17, used for fuzzing).
template <class Struct, class Member>
Field(const char*, Member Struct::*) -> Field<Struct, Member>;

template <class T>
struct Schema;

template <>
struct Schema<Framework> {
    static constexpr const char* kWhat = "framework";
    static constexpr std::tuple kFields{Field{"name", &Framework::name},
                                        Field{"version", &Framework::version}};
};

template <>
struct Schema<MicroService> {
    static constexpr const char* kWhat = "service";
    static constexpr std::tuple kFields{Field{"serviceId", &MicroService::service_id},
                                        Field{"appId", &MicroService::app_id},
                                        Field{"serviceName", &MicroService::service_name},
                                        Field{"version", &MicroService::version},
                                        Field{"description", &MicroService::description},
                                        Field{"level", &MicroService::level},
                                        Field{"schemas", &MicroService::schemas},
                                        Field{"status", &MicroService::status},
                                        Field{"properties", &MicroService::properties},
                                        Field{"timestamp", &MicroService::timestamp},
                                        Field{"alias", &MicroService::alias},
                                        Field{"modTimestamp", &MicroService::mod_timestamp},
                                        Field{"environment", &MicroService::environment},
                                        Field{"registerBy", &MicroService::register_by},
                                        Field{"framework", &MicroService::framework}};
};

template <>
struct Schema<HealthCheck> {
    static constexpr const char* kWhat = "healthCheck";
    static constexpr std::tuple kFields{
        Field{"mode", &HealthCheck::mode}, Field{"port", &HealthCheck::port},
        Field{"interval", &HealthCheck::interval}, Field{"times", &HealthCheck::times},
        Field{"url", &HealthCheck::url}};
};

template <>
struct Schema<DataCenterInfo> {
    static constexpr const char* kWhat = "dataCenterInfo";
    static constexpr std::tuple kFields{Field{"name", &DataCenterInfo::name},
                                        Field{"region", &DataCenterInfo::region},
                                        Field{"availableZone", &DataCenterInfo::available_zone}};
};

template <>
struct Schema<MicroServiceInstance> {
    using I = MicroServiceInstance;
    static constexpr const char* kWhat = "instance";
    static constexpr std::tuple kFields{Field{"instanceId", &I::instance_id},
                                        Field{"serviceId", &I::service_id},
                                        Field{"endpoints", &I::endpoints},
                                        Field{"hostName", &I::host_name},
                                        Field{"status", &I::status},
                                        Field{"properties", &I::properties},
                                        Field{"healthCheck", &I::health_check},
                                        Field{"dataCenterInfo", &I::data_center_info},
                                        Field{"timestamp", &I::timestamp},
                                        Field{"modTimestamp", &I::mod_timestamp},
                                        Field{"version", &I::version}};
};

template <>
struct Schema<MicroServiceKey> {
    using K = MicroServiceKey;
    static constexpr const char* kWhat = "key";
    static constexpr std::tuple kFields{
        Field{"tenant", &K::tenant}, Field{"environment", &K::environment},
        Field{"appId", &K::app_id},  Field{"serviceName", &K::service_name},
        Field{"alias", &K::alias},   Field{"version", &K::version}};
};

template <>
struct Schema<HeartbeatEntry> {
    static constexpr const char* kWhat = "heartbeat entry";
    static constexpr std::tuple kFields{Field{"serviceId", &HeartbeatEntry::service_id},
                                        Field{"instanceId", &HeartbeatEntry::instance_id},
                                        Field{"errMessage", &HeartbeatEntry::error_message}};
};

template <>
struct Schema<WatchEvent> {
    static constexpr const char* kWhat = "watch event";
    static constexpr std::tuple kFields{Field{"action", &WatchEvent::action},
                                        Field{"key", &WatchEvent::key},
                                        Field{"instance", &WatchEvent::instance}};
};

template <class T>
void put(nlohmann::json& json, const char* key, const T& value) {
    if constexpr (std::is_same_v<T, int>) {
        json_fields::write_int(json, key, value);
    } else if constexpr (requires { value.empty(); }) {
        json_fields::write(json, key, value);
    } else if constexpr (requires { value.has_value(); }) {
        if (value) {
            json[key] = *value;
        }
    } else if (nlohmann::json nested = value; !nested.empty()) {
        json[key] = std::move(nested);
    }
}

template <class T>
void get(const nlohmann::json& json, const char* key, T& out) {
    if constexpr (std::is_same_v<T, int>) {
        json_fields::read_int(json, key, out);
    } else if constexpr (requires { out.has_value(); }) {
        if (auto it = json.find(key); it != json.end() && !it->is_null()) {
            out = it->get<typename T::value_type>();
        }
    } else {
        json_fields::read(json, key, out);
    }
}

template <class T>
void encode(nlohmann::json& json, const T& value) {
    json = nlohmann::json::object();
    std::apply([&](const auto&... field) { (put(json, field.name, value.*field.member), ...); },
               Schema<T>::kFields);
}

template <class T>
void decode(const nlohmann::json& json, T& value) {
    json_fields::expect_object(json, Schema<T>::kWhat);
    std::apply([&](const auto&... field) { (get(json, field.name, value.*field.member), ...); },
               Schema<T>::kFields);
}

}  // namespace

void to_json(nlohmann::json& json, const Framework& value) {
    encode(json, value);
}

void from_json(const nlohmann::json& json, Framework& value) {
    decode(json, value);
}

void to_json(nlohmann::json& json, const MicroService& value) {
    encode(json, value);
}

void from_json(const nlohmann::json& json, MicroService& value) {
    decode(json, value);
}

void to_json(nlohmann::json& json, const HealthCheck& value) {
    encode(json, value);
}

void from_json(const nlohmann::json& json, HealthCheck& value) {
    value.mode.clear();  // the struct defaults to "push"; on the wire a missing mode is empty
    decode(json, value);
}

void to_json(nlohmann::json& json, const DataCenterInfo& value) {
    encode(json, value);
}

void from_json(const nlohmann::json& json, DataCenterInfo& value) {
    decode(json, value);
}

void to_json(nlohmann::json& json, const MicroServiceInstance& value) {
    encode(json, value);
}

void from_json(const nlohmann::json& json, MicroServiceInstance& value) {
    decode(json, value);
}

void to_json(nlohmann::json& json, const MicroServiceKey& value) {
    encode(json, value);
}

void from_json(const nlohmann::json& json, MicroServiceKey& value) {
    decode(json, value);
}

void from_json(const nlohmann::json& json, HeartbeatEntry& value) {
    decode(json, value);
}

void from_json(const nlohmann::json& json, WatchEvent& value) {
    decode(json, value);
}

}  // namespace scagent::plugins::servicecomb
