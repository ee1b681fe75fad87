#pragma once

#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/secret.hpp"
#include "config/yaml_reader.hpp"

namespace scagent::config {

using namespace std::chrono_literals;

// agent.yaml, as fixed by spec/agent-interface.md. Defaults live here and nowhere else.

struct RegistryAuth {
    std::string username;  ///< RBAC is on when set
    Secret password;
};

struct TlsSettings {
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    bool verify = true;
};

struct RegistrySettings {
    std::vector<std::string> addresses{"http://127.0.0.1:30100"};
    std::string project = "default";
    std::string domain = "default";
    RegistryAuth auth;
    TlsSettings tls;
    Duration refresh_interval = 30s;
    bool watch = true;
};

struct ConfigCenterSettings {
    std::vector<std::string> addresses{"http://127.0.0.1:30110"};  ///< empty: no remote governance
};

struct ListenSettings {
    std::string proxy = "127.0.0.1:30101";
    std::string api = "127.0.0.1:30102";
    std::string metrics;  ///< optional extra listener serving /metrics only
};

struct CacheSettings {
    std::string snapshot_path = "/var/lib/sc-agent/cache.json";  ///< empty: no disk snapshot
};

struct DrainSettings {
    Duration delay = 5s;
    Duration timeout = 30s;
};

enum class LogFormat { kText, kJson };

struct LogSettings {
    std::string level = "info";  ///< trace | debug | info | warn | error | critical | off
    LogFormat format = LogFormat::kText;
    bool access = false;  ///< JSON access log of the proxy (and X-Sc-Instance on its answers)
};

struct ProxySettings {
    std::size_t max_retry_body = 64 * 1024;  ///< larger request bodies stream and are not retried
    Duration connect_timeout = 1s;
    Duration idle_timeout = 30s;  ///< upstream keep-alive idle; shorter than typical servers'
    /// A client connection silent this long between calls is closed (nginx keepalive_timeout,
    /// haproxy timeout http-keep-alive). The same limit bounds each wait for the next bytes of
    /// a body in either direction (a stalled upload, answer or slow reader).
    Duration client_idle_timeout = 60s;
    int max_connections_per_instance = 256;
};

struct ApiSettings {
    Secret token;  ///< when set, PUT/POST/PATCH/DELETE need `Authorization: Bearer <token>`
    /// Host header values accepted besides loopback names/addresses and the listen address.
    std::vector<std::string> allowed_hosts;
};

/// Caps that keep one misbehaving client from growing the agent without bound.
struct LimitSettings {
    int max_connections = 4096;  ///< per listener; beyond it new connections wait in the backlog
    /// Provider caches created on demand (unknown names included); dependencies do not count.
    int max_watched_services = 1000;
};

struct AgentConfig {
    std::string source_file;  ///< where it was read from (for messages)
    RegistrySettings registry;
    ConfigCenterSettings config_center;
    std::vector<std::string> services{"/etc/sc-agent/services.d"};  ///< as written (unresolved)
    std::string governance_file;
    ListenSettings listen;
    CacheSettings cache;
    DrainSettings drain;
    LogSettings log;
    ProxySettings proxy;
    ApiSettings api;
    LimitSettings limits;
    int threads = 1;
};

/// Reads agent.yaml's root mapping into `config`; problems go to the reader's diagnostics.
void parse_agent_config(MapReader& root, AgentConfig& config);

}  // namespace scagent::config
