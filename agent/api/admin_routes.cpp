#include "agent/api/admin_routes.hpp"

#include <ctime>

#include "agent/api/discovery_responses.hpp"
#include "metrics/metrics_registry.hpp"
#include "plugins/api/text.hpp"

namespace scagent::api {
namespace {

net::Reply json_reply(net::Status status, const nlohmann::json& body) {
    return net::Reply::json(status, plugins::dump_json(body));
}

net::Reply error_reply(const ApiError& error) {
    return net::Reply::json(error.status, error_body(error));
}

std::string iso8601(std::chrono::system_clock::time_point when) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace

nlohmann::json services_json(const std::vector<registration::RegistrarState>& states) {
    auto out = nlohmann::json::array();
    for (const auto& state : states) {
        nlohmann::json item = {
            {"app", state.app},
            {"name", state.name},
            {"version", state.version},
            {"environment", state.environment},
            {"serviceId", state.service_id},
            {"instanceId", state.instance_id},
            {"status", state.status},
            {"registered", state.registered},
            {"lastHeartbeat", state.last_heartbeat ? nlohmann::json(iso8601(*state.last_heartbeat))
                                                   : nlohmann::json(nullptr)},
            {"maintenance", state.maintenance},
        };
        if (state.maintenance && !state.maintenance_reason.empty()) {
            item["maintenanceReason"] = state.maintenance_reason;
        }
        if (!state.last_error.empty()) {
            item["lastError"] = state.last_error;
        }
        out.push_back(std::move(item));
    }
    return out;
}

void add_metrics_route(net::HttpRouter& router, std::function<std::string()> metrics_text) {
    router.add(net::Method::get, "/metrics",
               net::sync_route([metrics_text = std::move(metrics_text)](net::RouteContext&) {
                   return net::Reply(net::status::ok, metrics_text(),
                                     metrics::MetricsRegistry::kContentType);
               }));
}

void add_admin_routes(net::HttpRouter& router, AdminSource source) {
    auto shared = std::make_shared<const AdminSource>(std::move(source));
    router.add(net::Method::get, "/v1/agent/services",
               net::sync_route([shared](net::RouteContext&) {
                   return json_reply(net::status::ok, services_json(shared->services()));
               }));
    router.add(net::Method::put, "/v1/agent/services/{name}/maintenance",
               net::sync_route([shared](net::RouteContext& ctx) {
                   const auto enable = ctx.query("enable");
                   if (!enable || (*enable != "true" && *enable != "false")) {
                       return error_reply(bad_request("enable", "must be true or false"));
                   }
                   const auto& name = ctx.param("name");
                   const bool on = *enable == "true";
                   if (!shared->set_maintenance(name, on, ctx.query("reason").value_or(""))) {
                       return error_reply(ApiError{404, "SERVICE_NOT_FOUND",
                                                   "no local service named '" + name + "'"});
                   }
                   return json_reply(net::status::ok, {{"name", name}, {"maintenance", on}});
               }));
    router.add(net::Method::get, "/healthz", net::sync_route([](net::RouteContext&) {
                   return json_reply(net::status::ok, {{"status", "ok"}});
               }));
    router.add(net::Method::get, "/readyz", net::sync_route([shared](net::RouteContext&) {
                   if (auto reason = shared->not_ready_reason()) {
                       return json_reply(net::status::service_unavailable,
                                         {{"status", "not ready"}, {"reason", *reason}});
                   }
                   return json_reply(net::status::ok, {{"status", "ready"}});
               }));
    add_metrics_route(router, [shared] { return shared->metrics_text(); });
}

}  // namespace scagent::api
