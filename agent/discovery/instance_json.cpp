#include "agent/discovery/instance_json.hpp"

namespace scagent::discovery {
namespace {

using nlohmann::json;

bool string_field(const json& object, const char* name, std::string& out, std::string* error) {
    auto found = object.find(name);
    if (found == object.end() || !found->is_string()) {
        *error = std::string("\"") + name + "\" must be a string";
        return false;
    }
    out = found->get<std::string>();
    return true;
}

}  // namespace

json instance_to_json(const plugins::Instance& instance, const DataCenterInfo& center) {
    json properties = json::object();
    for (const auto& [key, value] : instance.properties) {
        properties[key] = value;
    }
    return json{{"instanceId", instance.instance_id},
                {"serviceId", instance.service_id},
                {"version", instance.version},
                {"endpoints", instance.endpoints},
                {"host", instance.host},
                {"port", instance.port},
                {"status", instance.status},
                {"properties", std::move(properties)},
                {"dataCenterInfo",
                 {{"name", center.name},
                  {"region", center.region},
                  {"availableZone", center.available_zone}}}};
}

bool instance_from_json(const json& object, plugins::Instance& instance, DataCenterInfo& center,
                        std::string* error) {
    if (!object.is_object()) {
        *error = "an instance must be an object";
        return false;
    }
    if (!string_field(object, "instanceId", instance.instance_id, error) ||
        !string_field(object, "serviceId", instance.service_id, error) ||
        !string_field(object, "version", instance.version, error) ||
        !string_field(object, "host", instance.host, error) ||
        !string_field(object, "status", instance.status, error)) {
        return false;
    }
    auto port = object.find("port");
    if (port == object.end() || !port->is_number_unsigned() || port->get<std::uint64_t>() > 65535) {
        *error = "\"port\" must be an integer 0..65535";
        return false;
    }
    instance.port = static_cast<std::uint16_t>(port->get<std::uint64_t>());
    auto endpoints = object.find("endpoints");
    if (endpoints == object.end() || !endpoints->is_array()) {
        *error = "\"endpoints\" must be an array of strings";
        return false;
    }
    instance.endpoints.clear();
    for (const auto& endpoint : *endpoints) {
        if (!endpoint.is_string()) {
            *error = "\"endpoints\" must be an array of strings";
            return false;
        }
        instance.endpoints.push_back(endpoint.get<std::string>());
    }
    auto properties = object.find("properties");
    if (properties == object.end() || !properties->is_object()) {
        *error = "\"properties\" must be an object of strings";
        return false;
    }
    instance.properties.clear();
    for (const auto& [key, value] : properties->items()) {
        if (!value.is_string()) {
            *error = "\"properties\" must be an object of strings";
            return false;
        }
        instance.properties.emplace(key, value.get<std::string>());
    }
    auto dc = object.find("dataCenterInfo");
    if (dc == object.end() || !dc->is_object()) {
        *error = "\"dataCenterInfo\" must be an object";
        return false;
    }
    return string_field(*dc, "name", center.name, error) &&
           string_field(*dc, "region", center.region, error) &&
           string_field(*dc, "availableZone", center.available_zone, error);
}

}  // namespace scagent::discovery
