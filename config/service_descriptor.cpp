#include "config/service_descriptor.hpp"

#include "config/names.hpp"
#include "config/range_checks.hpp"

namespace scagent::config {
namespace {

std::string check_level(const std::string& level) {
    if (level.empty() || level == "FRONT" || level == "MIDDLE" || level == "BACK") {
        return {};
    }
    return "'" + level + "' is not a level: use FRONT, MIDDLE or BACK";
}

std::string check_schemas(const std::vector<std::string>& schemas) {
    for (const auto& schema : schemas) {
        if (schema.empty() || schema.size() > 160 || !check_app_id(schema).empty()) {
            return "schema id '" + schema + "' must be 1 to 160 letters, digits, '_', '-', '.'";
        }
    }
    return schemas.size() > 100 ? "at most 100 schemas" : "";
}

void parse_service(MapReader& reader, ServiceSettings& service, InstanceSettings& instance,
                   const std::string& app_key) {
    reader.optional<std::string>(app_key, service.app,
                                 [](const std::string& app) { return check_app_id(app); });
    if (service.app.empty()) {
        service.app = "default";  // the registry's own default for an empty appId
    }
    reader.required<std::string>("name", service.name, check_service_name);
    reader.required<std::string>("version", service.version, check_version);
    reader.optional<std::string>("environment", service.environment, check_environment);
    reader.optional<std::string>("description", service.description, [](const std::string& text) {
        return text.size() > 256 ? std::string("must be at most 256 characters") : std::string();
    });
    reader.optional<std::string>("level", service.level, check_level);
    reader.optional("properties", service.properties);
    reader.optional<std::vector<std::string>>("schemas", service.schemas, check_schemas);
    reader.each_map("paths", [&](MapReader& item, std::size_t) {
        ServicePath path;
        item.required("path", path.path);
        item.optional("property", path.property);
        service.paths.push_back(std::move(path));
    });
    // go-chassis puts the host name and status in the service block.
    reader.optional<std::string>("hostname", instance.hostname, check_hostname);
    std::string status;
    reader.optional<std::string>("status", status, [](const std::string& value) {
        return value.empty() || value == "UP" || value == "DOWN"
                   ? std::string()
                   : "'" + value + "' is not a service status: use UP or DOWN";
    });
}

void parse_instance(MapReader reader, InstanceSettings& instance) {
    reader.optional<std::vector<std::string>>(
        "endpoints", instance.endpoints, [](const std::vector<std::string>& endpoints) {
            for (const auto& endpoint : endpoints) {
                if (std::string problem = check_endpoint(endpoint); !problem.empty()) {
                    return problem;
                }
            }
            return std::string();
        });
    reader.optional<std::string>("hostname", instance.hostname, check_hostname);

    MapReader dc = reader.map("dataCenterInfo");
    dc.optional<std::string>("name", instance.data_center.name, check_datacenter_field);
    dc.optional<std::string>("region", instance.data_center.region, check_datacenter_field);
    dc.optional<std::string>("availableZone", instance.data_center.available_zone,
                             check_datacenter_field);
    dc.reject_unknown();

    MapReader lease = reader.map("healthCheck");
    lease.optional<int>("interval", instance.health_check.interval, int_between(1, 86400));
    lease.optional<int>("times", instance.health_check.times, int_between(0, 100));
    lease.reject_unknown();
    reader.reject_unknown();
}

void parse_check(MapReader reader, std::optional<HealthCheckSettings>& check) {
    HealthCheckSettings settings;
    std::string http;
    std::string tcp;
    const bool has_http = reader.optional<std::string>(
        "http", http, [](const std::string& url) { return check_http_url(url); });
    const bool has_tcp = reader.optional<std::string>(
        "tcp", tcp, [](const std::string& address) { return check_listen_address(address); });
    if (reader.has("http") && reader.has("tcp")) {
        reader.report(reader.where_of("tcp"), "give either http or tcp, not both");
    } else if (!reader.has("http") && !reader.has("tcp")) {
        reader.report({reader.where().location, reader.path() + ".http"},
                      "required key is missing (or give tcp)");
    }
    if (has_http) {
        settings.target = http;
    } else if (has_tcp) {
        settings.kind = CheckKind::kTcp;
        settings.target = tcp;
    }
    reader.optional<Duration>("interval", settings.interval, [](const Duration& value) {
        return value >= 100ms && value <= 1h
                   ? std::string()
                   : "must be between 100ms and 1h, found " + format_duration(value);
    });
    reader.optional<Duration>("timeout", settings.timeout, [](const Duration& value) {
        return value >= 10ms && value <= 1min
                   ? std::string()
                   : "must be between 10ms and 1m, found " + format_duration(value);
    });
    if (settings.timeout > settings.interval) {
        reader.report(reader.where_of("timeout"), "must not be longer than check.interval (" +
                                                      format_duration(settings.interval) + ")");
    }
    reader.optional<int>("rise", settings.rise, int_between(1, 100));
    reader.optional<int>("fall", settings.fall, int_between(1, 100));
    reader.reject_unknown();
    check = settings;
}

void parse_inbound(MapReader reader, ServiceDescriptor& descriptor) {
    InboundSettings inbound;
    const bool has_listen =
        reader.required<std::string>("listen", inbound.listen, [&](const std::string& value) {
            if (auto problem = check_bind_address(value); !problem.empty()) {
                return problem;
            }
            if (!descriptor.instance.endpoints.empty()) {
                return std::string(
                    "instance.endpoints is set too: with inbound the listener is what consumers "
                    "dial; remove one of them");
            }
            return std::string();
        });
    const bool has_target =
        reader.required<std::string>("target", inbound.target, [](const std::string& value) {
            return http_host_port(value) ? std::string()
                                         : "'" + value +
                                               "' is not an http URL of the local app, e.g. "
                                               "http://127.0.0.1:8080 (plain http only)";
        });
    reader.reject_unknown();
    if (!has_listen || !has_target) {
        return;
    }
    const auto target = http_host_port(inbound.target);
    inbound.target_host = target->first;
    inbound.target_port = target->second;
    // A host-less ":8081" listens on loopback, as every listener does.
    const std::string address =
        inbound.listen.starts_with(':') ? "127.0.0.1" + inbound.listen : inbound.listen;
    descriptor.instance.endpoints = {"rest://" + address};
    descriptor.inbound = std::move(inbound);
}

}  // namespace

std::string ServiceDescriptor::identity() const {
    return service.app + "/" + service.name + "/" + service.version + "/" + service.environment;
}

void parse_service_descriptor(MapReader& root, ServiceDescriptor& descriptor) {
    if (!root.has("servicecomb") && root.has("service_description")) {
        // The go-chassis 1.x / Mesher layout: APPLICATION_ID + service_description.
        MapReader legacy = root.map("service_description");
        parse_service(legacy, descriptor.service, descriptor.instance, "app");
        legacy.optional("instance_properties", descriptor.service.instance_properties);
        legacy.reject_unknown();
        root.optional<std::string>("APPLICATION_ID", descriptor.service.app,
                                   [](const std::string& app) { return check_app_id(app); });
        if (descriptor.service.app.empty()) {
            descriptor.service.app = "default";
        }
        root.ignore({"cse", "Provider", "instance_description"});
        root.reject_unknown();
        return;
    }

    if (!root.has("servicecomb")) {
        root.report({root.where().location, "servicecomb"},
                    "required key is missing (a descriptor starts with servicecomb.service)");
        root.reject_unknown();
        return;
    }
    MapReader servicecomb = root.map("servicecomb");
    if (!servicecomb.has("service")) {
        servicecomb.report({servicecomb.where().location, "servicecomb.service"},
                           "required key is missing");
    } else {
        MapReader service = servicecomb.map("service");
        parse_service(service, descriptor.service, descriptor.instance, "app");
        service.optional("instanceProperties", descriptor.service.instance_properties);
        service.reject_unknown();
    }

    parse_instance(servicecomb.map("instance"), descriptor.instance);
    if (servicecomb.has("check")) {
        parse_check(servicecomb.map("check"), descriptor.check);
    }
    servicecomb.each_map("dependencies", [&](MapReader& item, std::size_t) {
        Dependency dependency;
        item.optional<std::string>("app", dependency.app, check_app_id);
        item.required<std::string>("name", dependency.name, check_service_name);
        descriptor.dependencies.push_back(std::move(dependency));
    });
    if (servicecomb.has("proxy")) {
        MapReader proxy = servicecomb.map("proxy");
        proxy.required<std::string>("listen", descriptor.proxy_listen, check_bind_address);
        proxy.reject_unknown();
    }
    if (servicecomb.has("inbound")) {
        parse_inbound(servicecomb.map("inbound"), descriptor);
    }
    // Sections of a go-chassis chassis.yaml / microservice.yaml that the agent does not use; they
    // are accepted so an existing file loads unchanged.
    servicecomb.ignore({"registry", "protocols", "handler", "references", "config", "credentials",
                        "metrics", "tracing", "transport", "match", "loadbalance", "circuitBreaker",
                        "flowcontrol", "isolation", "fallback", "fallbackpolicy", "rateLimiting",
                        "retry", "routeRule"});
    servicecomb.reject_unknown();
    root.reject_unknown();
}

}  // namespace scagent::config
