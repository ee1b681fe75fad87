#include "plugins/registry/servicecomb/model.hpp"

#include <nlohmann/json.hpp>

#include "plugins/registry/servicecomb/json_fields.hpp"

namespace scagent::plugins::servicecomb {

using json_fields::expect_object;
using json_fields::read;
using json_fields::read_int;
using json_fields::write;
using json_fields::write_int;

void to_json(nlohmann::json& json, const Framework& value) {
    json = nlohmann::json::object();
    write(json, "name", value.name);
    write(json, "version", value.version);
}

void from_json(const nlohmann::json& json, Framework& value) {
    expect_object(json, "framework");
    read(json, "name", value.name);
    read(json, "version", value.version);
}

void to_json(nlohmann::json& json, const MicroService& value) {
    json = nlohmann::json::object();
    write(json, "serviceId", value.service_id);
    write(json, "appId", value.app_id);
    write(json, "serviceName", value.service_name);
    write(json, "version", value.version);
    write(json, "description", value.description);
    write(json, "level", value.level);
    write(json, "schemas", value.schemas);
    write(json, "status", value.status);
    write(json, "properties", value.properties);
    write(json, "timestamp", value.timestamp);
    write(json, "alias", value.alias);
    write(json, "modTimestamp", value.mod_timestamp);
    write(json, "environment", value.environment);
    write(json, "registerBy", value.register_by);
    if (!value.framework.name.empty() || !value.framework.version.empty()) {
        json["framework"] = value.framework;
    }
}

void from_json(const nlohmann::json& json, MicroService& value) {
    expect_object(json, "service");
    read(json, "serviceId", value.service_id);
    read(json, "appId", value.app_id);
    read(json, "serviceName", value.service_name);
    read(json, "version", value.version);
    read(json, "description", value.description);
    read(json, "level", value.level);
    read(json, "schemas", value.schemas);
    read(json, "status", value.status);
    read(json, "properties", value.properties);
    read(json, "timestamp", value.timestamp);
    read(json, "alias", value.alias);
    read(json, "modTimestamp", value.mod_timestamp);
    read(json, "environment", value.environment);
    read(json, "registerBy", value.register_by);
    read(json, "framework", value.framework);
}

void to_json(nlohmann::json& json, const HealthCheck& value) {
    json = nlohmann::json::object();
    write(json, "mode", value.mode);
    write_int(json, "port", value.port);
    write_int(json, "interval", value.interval);
    write_int(json, "times", value.times);
    write(json, "url", value.url);
}

void from_json(const nlohmann::json& json, HealthCheck& value) {
    expect_object(json, "healthCheck");
    value.mode.clear();
    read(json, "mode", value.mode);
    read_int(json, "port", value.port);
    read_int(json, "interval", value.interval);
    read_int(json, "times", value.times);
    read(json, "url", value.url);
}

void to_json(nlohmann::json& json, const DataCenterInfo& value) {
    json = nlohmann::json::object();
    write(json, "name", value.name);
    write(json, "region", value.region);
    write(json, "availableZone", value.available_zone);
}

void from_json(const nlohmann::json& json, DataCenterInfo& value) {
    expect_object(json, "dataCenterInfo");
    read(json, "name", value.name);
    read(json, "region", value.region);
    read(json, "availableZone", value.available_zone);
}

void to_json(nlohmann::json& json, const MicroServiceInstance& value) {
    json = nlohmann::json::object();
    write(json, "instanceId", value.instance_id);
    write(json, "serviceId", value.service_id);
    write(json, "endpoints", value.endpoints);
    write(json, "hostName", value.host_name);
    write(json, "status", value.status);
    write(json, "properties", value.properties);
    if (value.health_check) {
        json["healthCheck"] = *value.health_check;
    }
    if (value.data_center_info) {
        json["dataCenterInfo"] = *value.data_center_info;
    }
    write(json, "timestamp", value.timestamp);
    write(json, "modTimestamp", value.mod_timestamp);
    write(json, "version", value.version);
}

void from_json(const nlohmann::json& json, MicroServiceInstance& value) {
    expect_object(json, "instance");
    read(json, "instanceId", value.instance_id);
    read(json, "serviceId", value.service_id);
    read(json, "endpoints", value.endpoints);
    read(json, "hostName", value.host_name);
    read(json, "status", value.status);
    read(json, "properties", value.properties);
    if (auto it = json.find("healthCheck"); it != json.end() && !it->is_null()) {
        value.health_check = it->get<HealthCheck>();
    }
    if (auto it = json.find("dataCenterInfo"); it != json.end() && !it->is_null()) {
        value.data_center_info = it->get<DataCenterInfo>();
    }
    read(json, "timestamp", value.timestamp);
    read(json, "modTimestamp", value.mod_timestamp);
    read(json, "version", value.version);
}

void to_json(nlohmann::json& json, const MicroServiceKey& value) {
    json = nlohmann::json::object();
    write(json, "tenant", value.tenant);
    write(json, "environment", value.environment);
    write(json, "appId", value.app_id);
    write(json, "serviceName", value.service_name);
    write(json, "alias", value.alias);
    write(json, "version", value.version);
}

void from_json(const nlohmann::json& json, MicroServiceKey& value) {
    expect_object(json, "key");
    read(json, "tenant", value.tenant);
    read(json, "environment", value.environment);
    read(json, "appId", value.app_id);
    read(json, "serviceName", value.service_name);
    read(json, "alias", value.alias);
    read(json, "version", value.version);
}

void from_json(const nlohmann::json& json, HeartbeatEntry& value) {
    expect_object(json, "heartbeat entry");
    read(json, "serviceId", value.service_id);
    read(json, "instanceId", value.instance_id);
    read(json, "errMessage", value.error_message);
}

void from_json(const nlohmann::json& json, WatchEvent& value) {
    expect_object(json, "watch event");
    read(json, "action", value.action);
    read(json, "key", value.key);
    read(json, "instance", value.instance);
}

}  // namespace scagent::plugins::servicecomb
