#include "config/agent_config.hpp"

#include "config/byte_size.hpp"
#include "config/names.hpp"
#include "config/range_checks.hpp"

namespace scagent::config {
namespace {

std::string each_http_url(const std::vector<std::string>& urls) {
    for (const auto& url : urls) {
        if (std::string problem = check_http_url(url); !problem.empty()) {
            return problem;
        }
    }
    return {};
}

std::string check_log_level(const std::string& level) {
    for (const char* known : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        if (level == known) {
            return {};
        }
    }
    return "'" + level + "' is not a log level: use trace, debug, info, warn, error, " +
           "critical or off";
}

void parse_registry(MapReader reader, RegistrySettings& registry) {
    reader.optional<std::vector<std::string>>(
        "addresses", registry.addresses, [](const std::vector<std::string>& urls) {
            return urls.empty() ? std::string("at least one address is needed")
                                : each_http_url(urls);
        });
    const auto not_empty = [](const std::string& value) {
        return value.empty() ? std::string("must not be empty") : std::string();
    };
    reader.optional<std::string>("project", registry.project, not_empty);
    reader.optional<std::string>("domain", registry.domain, not_empty);

    MapReader auth = reader.map("auth");
    auth.optional("username", registry.auth.username);
    auth.optional("password", registry.auth.password);
    if (!registry.auth.username.empty() && registry.auth.password.empty()) {
        auth.report(auth.where_of("password"), "required when auth.username is set");
    }
    auth.reject_unknown();

    MapReader tls = reader.map("tls");
    tls.optional("ca_file", registry.tls.ca_file);
    tls.optional("cert_file", registry.tls.cert_file);
    tls.optional("key_file", registry.tls.key_file);
    tls.optional("verify", registry.tls.verify);
    if (registry.tls.cert_file.empty() != registry.tls.key_file.empty()) {
        tls.report(tls.where(), "cert_file and key_file must be given together");
    }
    tls.reject_unknown();

    reader.optional<Duration>("refresh_interval", registry.refresh_interval,
                              duration_between(1s, 1h));
    reader.optional("watch", registry.watch);
    reader.reject_unknown();
}

void parse_listen(MapReader reader, ListenSettings& listen) {
    const auto address = [](const std::string& value) { return check_bind_address(value); };
    reader.optional<std::string>("proxy", listen.proxy, address);
    reader.optional<std::string>("api", listen.api, address);
    reader.optional<std::string>("metrics", listen.metrics, [](const std::string& value) {
        return value.empty() ? std::string() : check_bind_address(value);
    });
    reader.reject_unknown();
}

void parse_log(MapReader reader, LogSettings& log) {
    reader.optional<std::string>("level", log.level, check_log_level);
    std::string format = log.format == LogFormat::kJson ? "json" : "text";
    if (reader.optional<std::string>("format", format, [](const std::string& value) {
            return value == "text" || value == "json"
                       ? std::string()
                       : "'" + value + "' is not a log format: use text or json";
        })) {
        log.format = format == "json" ? LogFormat::kJson : LogFormat::kText;
    }
    reader.optional("access", log.access);
    reader.reject_unknown();
}

void parse_proxy(MapReader reader, ProxySettings& proxy) {
    std::string body_size;
    if (reader.optional<std::string>("max_retry_body", body_size, [](const std::string& value) {
            std::size_t bytes = 0;
            return parse_byte_size(value, bytes);
        })) {
        parse_byte_size(body_size, proxy.max_retry_body);
    }
    reader.optional<Duration>("connect_timeout", proxy.connect_timeout,
                              duration_between(1ms, 10min));
    reader.optional<Duration>("idle_timeout", proxy.idle_timeout, duration_between(1s, 1h));
    reader.optional<Duration>("client_idle_timeout", proxy.client_idle_timeout,
                              duration_between(100ms, 1h));
    reader.optional<int>("max_connections_per_instance", proxy.max_connections_per_instance,
                         int_between(1, 65536));
    reader.reject_unknown();
}

}  // namespace

void parse_agent_config(MapReader& root, AgentConfig& config) {
    parse_registry(root.map("registry"), config.registry);

    MapReader config_center = root.map("config_center");
    config_center.optional<std::vector<std::string>>("addresses", config.config_center.addresses,
                                                     each_http_url);
    config_center.reject_unknown();

    root.optional<std::vector<std::string>>("services", config.services);
    root.optional("governance_file", config.governance_file);
    parse_listen(root.map("listen"), config.listen);

    MapReader cache = root.map("cache");
    cache.optional("snapshot_path", config.cache.snapshot_path);
    cache.reject_unknown();

    MapReader drain = root.map("drain");
    drain.optional<Duration>("delay", config.drain.delay, duration_between(0s, 10min));
    drain.optional<Duration>("timeout", config.drain.timeout, duration_between(1s, 10min));
    drain.reject_unknown();

    parse_log(root.map("log"), config.log);
    parse_proxy(root.map("proxy"), config.proxy);

    MapReader api = root.map("api");
    api.optional("token", config.api.token);
    api.optional<std::vector<std::string>>("allowed_hosts", config.api.allowed_hosts);
    api.reject_unknown();
    MapReader limits = root.map("limits");
    limits.optional<int>("max_connections", config.limits.max_connections,
                         int_between(1, 1'000'000));
    limits.optional<int>("max_watched_services", config.limits.max_watched_services,
                         int_between(1, 100'000));
    limits.reject_unknown();
    root.optional<int>("threads", config.threads, int_between(1, 64));
    root.reject_unknown();
}

}  // namespace scagent::config
