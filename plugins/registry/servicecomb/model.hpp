#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plugins/registry/servicecomb/registry_error.hpp"

namespace scagent::plugins::servicecomb {

/// Service-center v4 wire types (spec §1.3). Field names follow the JSON; empty fields are
/// omitted on output (as SC's omitempty does) and missing or null fields read as empty. The
/// from_json overloads may throw nlohmann exceptions on wrongly typed fields: call them through
/// the decode_* functions, which turn that into RegistryError.
using Properties = std::map<std::string, std::string>;

struct Framework {
    std::string name{};
    std::string version{};
    bool operator==(const Framework&) const = default;
};

struct MicroService {
    std::string service_id{};
    std::string app_id{};
    std::string service_name{};
    std::string version{};
    std::string description{};
    std::string level{};
    std::vector<std::string> schemas{};
    std::string status{};
    Properties properties{};
    std::string timestamp{};
    std::string alias{};
    std::string mod_timestamp{};
    std::string environment{};
    std::string register_by{};  ///< "SIDECAR" for services this agent creates
    Framework framework{};
    bool operator==(const MicroService&) const = default;
};

struct HealthCheck {
    std::string mode = "push";
    int port = 0;
    int interval = 0;  ///< seconds
    int times = 0;
    std::string url{};
    bool operator==(const HealthCheck&) const = default;
};

struct DataCenterInfo {
    std::string name{};
    std::string region{};
    std::string available_zone{};
    bool operator==(const DataCenterInfo&) const = default;
};

struct MicroServiceInstance {
    std::string instance_id{};  ///< set when re-registering: SC then reuses it (spec §1.4.4)
    std::string service_id{};
    std::vector<std::string> endpoints{};
    std::string host_name{};
    std::string status{};
    Properties properties{};
    std::optional<HealthCheck> health_check{};         ///< absent = SC default 30 s x 3
    std::optional<DataCenterInfo> data_center_info{};  ///< absent: SC rejects empty names
    std::string timestamp{};
    std::string mod_timestamp{};
    std::string version{};
    bool operator==(const MicroServiceInstance&) const = default;
};

struct MicroServiceKey {
    std::string tenant{};
    std::string environment{};
    std::string app_id{};
    std::string service_name{};
    std::string alias{};
    std::string version{};
    bool operator==(const MicroServiceKey&) const = default;
};

/// One entry of PUT /heartbeats (request and response).
struct HeartbeatEntry {
    std::string service_id{};
    std::string instance_id{};
    std::string error_message{};  ///< response only; empty = this instance's heartbeat succeeded
    bool operator==(const HeartbeatEntry&) const = default;
};

/// A watch frame (spec §1.4.11).
struct WatchEvent {
    std::string action{};  ///< CREATE, UPDATE, DELETE, EXPIRE
    MicroServiceKey key{};
    MicroServiceInstance instance{};
};

void to_json(nlohmann::json& json, const Framework& value);
void from_json(const nlohmann::json& json, Framework& value);
void to_json(nlohmann::json& json, const MicroService& value);
void from_json(const nlohmann::json& json, MicroService& value);
void to_json(nlohmann::json& json, const HealthCheck& value);
void from_json(const nlohmann::json& json, HealthCheck& value);
void to_json(nlohmann::json& json, const DataCenterInfo& value);
void from_json(const nlohmann::json& json, DataCenterInfo& value);
void to_json(nlohmann::json& json, const MicroServiceInstance& value);
void from_json(const nlohmann::json& json, MicroServiceInstance& value);
void to_json(nlohmann::json& json, const MicroServiceKey& value);
void from_json(const nlohmann::json& json, MicroServiceKey& value);
void from_json(const nlohmann::json& json, HeartbeatEntry& value);
void from_json(const nlohmann::json& json, WatchEvent& value);

}  // namespace scagent::plugins::servicecomb
