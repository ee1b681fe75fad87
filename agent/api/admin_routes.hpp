#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/net/http_router.hpp"
#include "agent/registration/registrar.hpp"

namespace scagent::api {

/// What the admin routes read and change; the daemon binds these to its Registrations and
/// MetricsRegistry. Each may be called from any connection's thread.
struct AdminSource {
    std::function<std::vector<registration::RegistrarState>()> services;
    /// False when no local service has that name.
    std::function<bool(const std::string& name, bool enable, const std::string& reason)>
        set_maintenance;
    /// Nothing when every local service is registered, else the reason.
    std::function<std::optional<std::string>()> not_ready_reason;
    std::function<std::string()> metrics_text;
};

/// GET /v1/agent/services, PUT /v1/agent/services/{name}/maintenance, GET /healthz,
/// GET /readyz and GET /metrics (agent-interface.md).
void add_admin_routes(net::HttpRouter& router, AdminSource source);

/// GET /metrics alone, for the optional listen.metrics listener.
void add_metrics_route(net::HttpRouter& router, std::function<std::string()> metrics_text);

/// The GET /v1/agent/services body: [{"app","name","version","serviceId","instanceId",
/// "status","registered","lastHeartbeat"}] (+ "environment", "maintenance", "lastError").
nlohmann::json services_json(const std::vector<registration::RegistrarState>& states);

}  // namespace scagent::api
