#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/yaml_reader.hpp"

namespace scagent::config {

using namespace std::chrono_literals;

// One service descriptor = one local service and its instance on this host. The
// `servicecomb.service` block takes the keys of a go-chassis / Mesher microservice.yaml.

struct ServicePath {
    std::string path;
    std::map<std::string, std::string> property;
};

struct ServiceSettings {
    std::string app = "default";
    std::string name;     ///< required
    std::string version;  ///< required
    std::string environment;
    std::string description;
    std::string level;  ///< FRONT | MIDDLE | BACK, or empty (the registry's default)
    std::map<std::string, std::string> properties;
    std::map<std::string, std::string> instance_properties;
    std::vector<std::string> schemas;
    std::vector<ServicePath> paths;
};

struct DataCenter {
    std::string name;
    std::string region;
    std::string available_zone;
};

struct LeaseSettings {
    int interval = 30;  ///< seconds between heartbeats the registry expects
    int times = 3;      ///< missed heartbeats tolerated; TTL = interval * (times + 1)
};

struct InstanceSettings {
    std::vector<std::string> endpoints;  ///< empty: a consumer-only service
    std::string hostname;                ///< empty: the system host name
    DataCenter data_center;
    LeaseSettings health_check;
};

enum class CheckKind { kHttp, kTcp };

struct HealthCheckSettings {
    CheckKind kind = CheckKind::kHttp;
    std::string target;  ///< URL for http, host:port for tcp
    Duration interval = 5s;
    Duration timeout = 2s;
    int rise = 2;
    int fall = 3;
};

struct Dependency {
    std::string app;  ///< empty: the local service's app
    std::string name;
};

/// `inbound`: a provider-side listener in front of the local app. Its address is what the
/// instance registers (`rest://<listen>`), so consumers reach the app through the agent.
struct InboundSettings {
    std::string listen;
    std::string target;  ///< "http://127.0.0.1:8080"
    std::string target_host;
    int target_port = 0;
};

struct ServiceDescriptor {
    std::string source_file;
    ServiceSettings service;
    InstanceSettings instance;
    std::optional<HealthCheckSettings> check;  ///< absent: the app is taken as always healthy
    std::vector<Dependency> dependencies;
    /// `proxy.listen`: a proxy listener of this service's own; requests on it call as this
    /// service (no X-Sc-Consumer needed on a host with several). Empty: none.
    std::string proxy_listen;
    std::optional<InboundSettings> inbound;

    /// "app/name/version/environment": what makes a descriptor unique on a host.
    std::string identity() const;
};

/// Reads one descriptor file's root mapping into `descriptor`.
void parse_service_descriptor(MapReader& root, ServiceDescriptor& descriptor);

}  // namespace scagent::config
