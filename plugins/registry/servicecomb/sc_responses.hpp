#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/secret.hpp"
#include "plugins/api/http_message.hpp"
#include "plugins/registry/servicecomb/model.hpp"
#include "plugins/registry/servicecomb/registry_error.hpp"

namespace scagent::plugins::servicecomb {

using config::Secret;

/// Decoders of service-center v4 responses. None throws: a non-2xx becomes the decoded SC error
/// (decode_error_response), a 2xx with an unusable body becomes ErrorKind::decode.

/// Create service and existence: {"serviceId": "..."}.
Result<std::string> decode_service_id(const HttpResponse& response);
/// GET /microservices/{sid}: {"service": {...}}.
Result<MicroService> decode_service(const HttpResponse& response);
/// Register instance: {"instanceId": "..."}.
Result<std::string> decode_instance_id(const HttpResponse& response);
/// Heartbeat, status, properties, deregister, delete: 200 with an empty body.
inline Result<void> decode_empty(const HttpResponse& response) {
    return expect_success(response);
}
/// PUT /heartbeats: one entry per instance; a non-empty error_message marks a failed one.
Result<std::vector<HeartbeatEntry>> decode_heartbeat_batch(const HttpResponse& response);

/// Find instances and service instances. A 304 is a success with not_modified set.
struct FindResult {
    bool not_modified = false;
    std::string revision{};  ///< X-Resource-Revision (also on 304)
    std::vector<MicroServiceInstance> instances{};
};
Result<FindResult> decode_find_instances(const HttpResponse& response);

/// One half (services or instances) of a batch-find answer; indexes refer to the request.
struct BatchFindGroup {
    struct Updated {
        int index = 0;
        std::string revision{};
        std::vector<MicroServiceInstance> instances{};
    };
    struct Failed {
        std::vector<int> indexes{};
        RegistryError error{};  ///< kind service, code e.g. "400012"
    };
    std::vector<Updated> updated{};
    std::vector<int> not_modified{};
    std::vector<Failed> failed{};
};
struct BatchFindResult {
    BatchFindGroup services{};
    BatchFindGroup instances{};
};
Result<BatchFindResult> decode_batch_find(const HttpResponse& response);

/// GET /health: SC's own instances ({"instances": [...]}).
Result<std::vector<MicroServiceInstance>> decode_instances(const HttpResponse& response);

/// POST /v4/token: {"token": "..."}.
Result<Secret> decode_token(const HttpResponse& response);

/// One watch TEXT frame. SC sends a plain error string (no JSON) when the consumer is gone: that
/// decodes to ErrorKind::service with code kServiceNotExists.
Result<WatchEvent> decode_watch_event(std::string_view frame);

}  // namespace scagent::plugins::servicecomb
