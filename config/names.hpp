#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace scagent::config {

// Validation rules of service-center (spec/servicecomb.md §1.3). Each returns "" when the value
// is acceptable, else a message for an operator.

/// appId: may be empty (becomes "default"); ≤160 characters of [A-Za-z0-9_.-], alphanumeric ends.
std::string check_app_id(const std::string& value);
/// serviceName on create: 1–128 characters, same alphabet as appId.
std::string check_service_name(const std::string& value);
/// version: ^\d+(\.\d+){0,3}$, ≤64 characters, each segment 0..32767.
std::string check_version(const std::string& value);
/// environment: "", development, testing, acceptance or production.
std::string check_environment(const std::string& value);
/// dataCenterInfo fields: empty, or 1–128 characters of [A-Za-z0-9_.-].
std::string check_datacenter_field(const std::string& value);
/// hostName: empty (system host name) or ≤64 characters with a non-space character.
std::string check_hostname(const std::string& value);
/// Endpoint `scheme://host:port[?query]` with a port 1..65535.
std::string check_endpoint(const std::string& value);
/// A plain-http URL of an app on this host, "http://host[:port]" (port 80 when absent): the
/// host and port, or nullopt when `value` is not one.
std::optional<std::pair<std::string, int>> http_host_port(std::string_view value);
/// `host:port` listen address ("[::1]:port" for IPv6); port 0 means "any free port".
std::string check_listen_address(const std::string& value);
/// What a listener binds: a listen address, or ":port" alone, which binds 127.0.0.1 (loopback
/// unless an address is written out).
std::string check_bind_address(const std::string& value);
/// `http://host[:port]` or `https://host[:port]`.
std::string check_http_url(const std::string& value);

}  // namespace scagent::config
