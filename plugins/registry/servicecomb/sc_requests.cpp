#include "plugins/registry/servicecomb/sc_requests.hpp"

#include <nlohmann/json.hpp>

#include "plugins/api/text.hpp"
#include "plugins/registry/servicecomb/escape.hpp"

namespace scagent::plugins::servicecomb {
namespace {

HttpRequest make(std::string method, std::string target, bool idempotent) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.idempotent = idempotent;
    request.headers.emplace_back("Accept", "application/json");
    return request;
}

HttpRequest make_json(std::string method, std::string target, bool idempotent,
                      const nlohmann::json& body) {
    HttpRequest request = make(std::move(method), std::move(target), idempotent);
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = dump_json(body);
    return request;
}

void add_consumer(HttpRequest& request, std::string_view consumer_id) {
    if (!consumer_id.empty()) {
        request.headers.emplace_back(std::string(kConsumerIdHeader), std::string(consumer_id));
    }
}

}  // namespace

ScRequests::ScRequests(std::string project)
    : base_("/v4/" + escape_path_segment(project.empty() ? "default" : project) + "/registry") {}

std::string ScRequests::instance_path(std::string_view service_id,
                                      std::string_view instance_id) const {
    return base_ + "/microservices/" + escape_path_segment(service_id) + "/instances/" +
           escape_path_segment(instance_id);
}

HttpRequest ScRequests::create_service(const MicroService& service) const {
    return make_json("POST", base_ + "/microservices", true, {{"service", service}});
}

HttpRequest ScRequests::service_exists(std::string_view app_id, std::string_view service_name,
                                       std::string_view version,
                                       std::string_view environment) const {
    QueryString query;
    query.add("type", "microservice")
        .add("appId", app_id)
        .add("serviceName", service_name)
        .add("version", version)
        .add("env", environment);
    return make("GET", base_ + "/existence" + query.str(), true);
}

HttpRequest ScRequests::get_service(std::string_view service_id) const {
    return make("GET", base_ + "/microservices/" + escape_path_segment(service_id), true);
}

HttpRequest ScRequests::set_service_properties(std::string_view service_id,
                                               const Properties& properties) const {
    nlohmann::json body = {{"properties", properties}};
    return make_json("PUT",
                     base_ + "/microservices/" + escape_path_segment(service_id) + "/properties",
                     true, body);
}

HttpRequest ScRequests::delete_service(std::string_view service_id, bool force) const {
    return make("DELETE",
                base_ + "/microservices/" + escape_path_segment(service_id) +
                    (force ? "?force=1" : "?force=0"),
                true);
}

HttpRequest ScRequests::register_instance(std::string_view service_id,
                                          const MicroServiceInstance& instance) const {
    return make_json("POST",
                     base_ + "/microservices/" + escape_path_segment(service_id) + "/instances",
                     !instance.instance_id.empty(), {{"instance", instance}});
}

HttpRequest ScRequests::heartbeat(std::string_view service_id, std::string_view instance_id) const {
    return make("PUT", instance_path(service_id, instance_id) + "/heartbeat", true);
}

HttpRequest ScRequests::heartbeat_batch(const std::vector<HeartbeatEntry>& entries) const {
    auto instances = nlohmann::json::array();
    for (const auto& entry : entries) {
        instances.push_back({{"serviceId", entry.service_id}, {"instanceId", entry.instance_id}});
    }
    return make_json("PUT", base_ + "/heartbeats", true, {{"instances", instances}});
}

HttpRequest ScRequests::set_instance_status(std::string_view service_id,
                                            std::string_view instance_id,
                                            std::string_view status) const {
    QueryString query;
    query.add("value", status);
    return make("PUT", instance_path(service_id, instance_id) + "/status" + query.str(), true);
}

HttpRequest ScRequests::set_instance_properties(std::string_view service_id,
                                                std::string_view instance_id,
                                                const Properties& properties) const {
    nlohmann::json body = {{"properties", properties}};
    return make_json("PUT", instance_path(service_id, instance_id) + "/properties", true, body);
}

HttpRequest ScRequests::deregister_instance(std::string_view service_id,
                                            std::string_view instance_id) const {
    return make("DELETE", instance_path(service_id, instance_id), true);
}

HttpRequest ScRequests::find_instances(const FindQuery& query) const {
    QueryString params;
    params.add("appId", query.app_id)
        .add("serviceName", query.service_name)
        .add_if("env", query.environment)
        .add_if("version", query.version_rule)
        .add_if("tags", query.tags)
        .add_if("rev", query.revision);
    HttpRequest request = make("GET", base_ + "/instances" + params.str(), true);
    add_consumer(request, query.consumer_id);
    return request;
}

HttpRequest ScRequests::batch_find(const BatchFindQuery& query) const {
    nlohmann::json body = nlohmann::json::object();
    if (!query.services.empty()) {
        auto& services = body["services"] = nlohmann::json::array();
        for (const auto& item : query.services) {
            nlohmann::json key = nlohmann::json::object();
            key["environment"] = item.key.environment;
            key["appId"] = item.key.app_id;
            key["serviceName"] = item.key.service_name;
            nlohmann::json entry = {{"service", key}};
            if (!item.revision.empty()) {
                entry["rev"] = item.revision;
            }
            services.push_back(std::move(entry));
        }
    }
    if (!query.instances.empty()) {
        auto& instances = body["instances"] = nlohmann::json::array();
        for (const auto& item : query.instances) {
            nlohmann::json entry = {
                {"instance", {{"serviceId", item.service_id}, {"instanceId", item.instance_id}}}};
            if (!item.revision.empty()) {
                entry["rev"] = item.revision;
            }
            instances.push_back(std::move(entry));
        }
    }
    HttpRequest request = make_json("POST", base_ + "/instances/action?type=query", true, body);
    add_consumer(request, query.consumer_id);
    return request;
}

HttpRequest ScRequests::service_instances(std::string_view service_id, std::string_view revision,
                                          std::string_view consumer_id) const {
    QueryString params;
    params.add_if("rev", revision);
    HttpRequest request = make(
        "GET",
        base_ + "/microservices/" + escape_path_segment(service_id) + "/instances" + params.str(),
        true);
    add_consumer(request, consumer_id);
    return request;
}

HttpRequest ScRequests::health() const {
    return make("GET", base_ + "/health", true);
}

std::string ScRequests::watcher_target(std::string_view consumer_service_id) const {
    return base_ + "/microservices/" + escape_path_segment(consumer_service_id) + "/watcher";
}

HttpRequest ScRequests::token(std::string_view username, const Secret& password,
                              std::string_view expiration) {
    nlohmann::json body = {{"name", username}, {"password", password.reveal()}};
    if (!expiration.empty()) {
        body["tokenExpirationTime"] = expiration;
    }
    return make_json("POST", "/v4/token", true, body);
}

}  // namespace scagent::plugins::servicecomb
