#include "agent/discovery/registry_answer.hpp"

namespace scagent::discovery {

LiveResult to_live_result(std::vector<plugins::servicecomb::MicroServiceInstance> instances,
                          std::string revision) {
    LiveResult out;
    out.revision = std::move(revision);
    out.instances.reserve(instances.size());
    out.data_centers.reserve(instances.size());
    for (auto& from : instances) {
        if (from.instance_id.empty()) {
            continue;
        }
        plugins::Instance to;
        to.instance_id = std::move(from.instance_id);
        to.service_id = std::move(from.service_id);
        to.version = std::move(from.version);
        to.endpoints = std::move(from.endpoints);
        to.status = from.status.empty() ? "UP" : std::move(from.status);
        to.properties.reserve(from.properties.size());
        for (auto& [key, value] : from.properties) {
            to.properties.emplace(key, std::move(value));
        }
        DataCenterInfo center;
        if (from.data_center_info) {
            center = {from.data_center_info->name, from.data_center_info->region,
                      from.data_center_info->available_zone};
        }
        out.instances.push_back(std::move(to));
        out.data_centers.push_back(std::move(center));
    }
    return out;
}

LiveResult not_found_result() {
    LiveResult out;
    out.service_found = false;
    return out;
}

}  // namespace scagent::discovery
