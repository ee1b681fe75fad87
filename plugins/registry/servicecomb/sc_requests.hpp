#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/secret.hpp"
#include "plugins/api/http_message.hpp"
#include "plugins/registry/servicecomb/model.hpp"

namespace scagent::plugins::servicecomb {

using config::Secret;

/// GET /instances: one provider by app and name (spec §1.4.7).
struct FindQuery {
    std::string app_id{};
    std::string service_name{};
    std::string environment{};
    std::string tags{};               ///< "a,b": only services carrying every tag key
    std::string revision{};           ///< last X-Resource-Revision; equal -> 304
    std::string consumer_id{};        ///< X-ConsumerId: records the dependency, enables filters
    std::string version_rule = "0+";  ///< ignored by SC >= 2.1, required by older ones
};

/// POST /instances/action?type=query (spec §1.4.8). Results refer back by index.
struct BatchFindQuery {
    struct Service {
        MicroServiceKey key{};  ///< environment, appId, serviceName are used
        std::string revision{};
    };
    struct Instance {
        std::string service_id{};
        std::string instance_id{};
        std::string revision{};
    };
    std::vector<Service> services{};
    std::vector<Instance> instances{};
    std::string consumer_id{};
};

/// Builds service-center v4 requests under /v4/{project}/registry. Pure: no I/O, no clock.
/// Every id and name is escaped, and every request is marked idempotent or not for retries.
/// Tenant (X-Domain-Name) and Authorization are the sender's job, as they are per connection
/// policy rather than per call.
class ScRequests {
  public:
    explicit ScRequests(std::string project = "default");

    /// POST /microservices; idempotent because SC answers an existing service with its id.
    HttpRequest create_service(const MicroService& service) const;
    /// GET /existence?type=microservice&appId&serviceName&version&env
    HttpRequest service_exists(std::string_view app_id, std::string_view service_name,
                               std::string_view version, std::string_view environment) const;
    HttpRequest get_service(std::string_view service_id) const;
    /// PUT /microservices/{sid}/properties: replaces the whole map.
    HttpRequest set_service_properties(std::string_view service_id,
                                       const Properties& properties) const;
    HttpRequest delete_service(std::string_view service_id, bool force) const;

    /// POST /microservices/{sid}/instances. Idempotent only when instance.instance_id is set:
    /// SC then heartbeats or recreates that id instead of minting a new one.
    HttpRequest register_instance(std::string_view service_id,
                                  const MicroServiceInstance& instance) const;
    HttpRequest heartbeat(std::string_view service_id, std::string_view instance_id) const;
    /// PUT /heartbeats for several instances at once (error_message fields are ignored).
    HttpRequest heartbeat_batch(const std::vector<HeartbeatEntry>& entries) const;
    HttpRequest set_instance_status(std::string_view service_id, std::string_view instance_id,
                                    std::string_view status) const;
    HttpRequest set_instance_properties(std::string_view service_id, std::string_view instance_id,
                                        const Properties& properties) const;
    HttpRequest deregister_instance(std::string_view service_id,
                                    std::string_view instance_id) const;

    HttpRequest find_instances(const FindQuery& query) const;
    HttpRequest batch_find(const BatchFindQuery& query) const;
    /// GET /microservices/{sid}/instances: one service's instances (rev, X-ConsumerId).
    HttpRequest service_instances(std::string_view service_id, std::string_view revision,
                                  std::string_view consumer_id) const;
    /// GET /health: SC's own instances, used to discover cluster members.
    HttpRequest health() const;
    /// Target of the websocket watch (the caller upgrades it).
    std::string watcher_target(std::string_view consumer_service_id) const;

    /// POST /v4/token (outside the project prefix). `expiration` is a Go duration ("12h");
    /// SC accepts 15m..24h. The body holds the password: never log it.
    static HttpRequest token(std::string_view username, const Secret& password,
                             std::string_view expiration);

    const std::string& base() const noexcept { return base_; }

  private:
    std::string instance_path(std::string_view service_id, std::string_view instance_id) const;

    std::string base_{};  ///< "/v4/{project}/registry"
};

inline constexpr std::string_view kConsumerIdHeader = "X-ConsumerId";
inline constexpr std::string_view kRevisionHeader = "X-Resource-Revision";
inline constexpr std::string_view kDomainHeader = "X-Domain-Name";

}  // namespace scagent::plugins::servicecomb
