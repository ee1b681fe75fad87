#include "agent/dev_registry/validation.hpp"

#include <algorithm>
#include <cctype>

namespace scagent::dev_registry {

namespace {

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool has_non_space(const std::string& s) {
    return std::any_of(s.begin(), s.end(), std::not_fn(is_space));
}

ApiError invalid(const std::string& detail) {
    return ApiError{kInvalidParams, detail};
}

/// `^[A-Za-z0-9_.-]+$` (empty allowed when `allow_empty`).
bool is_token(const std::string& s, bool allow_empty) {
    if (s.empty()) {
        return allow_empty;
    }
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_schema_id(const std::string& s) {
    return !s.empty() && s.size() <= 160 && is_name(s);
}

std::optional<ApiError> check_name_field(const std::string& value, const char* field,
                                         std::size_t min, std::size_t max, bool allow_colon) {
    if (value.size() < min || value.size() > max || !is_name(value, allow_colon)) {
        return invalid(std::string("field '") + field + "' has an invalid value '" + value + "'");
    }
    return std::nullopt;
}

}  // namespace

bool is_name(const std::string& s, bool allow_colon) {
    if (s.empty()) {
        return true;
    }
    if (!is_alnum(s.front()) || !is_alnum(s.back())) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [allow_colon](char c) {
        return is_alnum(c) || c == '_' || c == '-' || c == '.' || (allow_colon && c == ':');
    });
}

bool is_version(const std::string& version) {
    if (version.empty() || version.size() > 64) {
        return false;
    }
    int segments = 0;
    std::size_t pos = 0;
    while (pos <= version.size()) {
        const auto dot = std::min(version.find('.', pos), version.size());
        const std::string seg = version.substr(pos, dot - pos);
        if (seg.empty() || seg.size() > 5 ||
            !std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(seg) > 32767) {
            return false;
        }
        ++segments;
        pos = dot + 1;
    }
    return segments <= 4;
}

bool is_environment(const std::string& env) {
    return env.empty() || env == "development" || env == "testing" || env == "acceptance" ||
           env == "production";
}

bool is_instance_status(const std::string& status) {
    return status == "UP" || status == "DOWN" || status == "STARTING" || status == "TESTING" ||
           status == "OUTOFSERVICE";
}

std::optional<ApiError> validate_service(const OrderedJson& s) {
    if (auto e = check_name_field(str(s, "appId"), "appId", 1, 160, false)) {
        return e;
    }
    if (auto e = check_name_field(str(s, "serviceName"), "serviceName", 1, 128, false)) {
        return e;
    }
    if (!is_version(str(s, "version"))) {
        return invalid("field 'version' must match ^\\d+(\\.\\d+){0,3}$ with segments <= 32767");
    }
    if (!is_environment(str(s, "environment"))) {
        return invalid(
            "field 'environment' must be development, testing, acceptance or "
            "production");
    }
    const auto level = str(s, "level");
    if (level != "FRONT" && level != "MIDDLE" && level != "BACK") {
        return invalid("field 'level' must be FRONT, MIDDLE or BACK");
    }
    const auto status = str(s, "status");
    if (status != "UP" && status != "DOWN") {
        return invalid("field 'status' must be UP or DOWN");
    }
    if (str(s, "description").size() > 256) {
        return invalid("field 'description' is longer than 256 characters");
    }
    const auto id = str(s, "serviceId");
    if (id.size() > 64 || std::any_of(id.begin(), id.end(), is_space)) {
        return invalid("field 'serviceId' must be at most 64 non-space characters");
    }
    if (auto it = s.find("schemas"); it != s.end()) {
        if (it->size() > 100) {
            return invalid("too many schemas (at most 100)");
        }
        for (const auto& schema : *it) {
            if (!is_schema_id(schema.get<std::string>())) {
                return invalid("schema id '" + schema.get<std::string>() + "' is invalid");
            }
        }
    }
    if (auto alias = str(s, "alias"); alias.size() > 128 || !is_name(alias, true)) {
        return invalid("field 'alias' is invalid");
    }
    return std::nullopt;
}

std::optional<ApiError> validate_instance(const OrderedJson& inst) {
    const auto id = str(inst, "instanceId");
    if (id.size() > 64 || !is_token(id, true)) {
        return invalid("field 'instanceId' must match ^[A-Za-z0-9_.-]*$ (at most 64)");
    }
    const auto host = str(inst, "hostName");
    if (host.empty() || host.size() > 64 || !has_non_space(host)) {
        return invalid("field 'hostName' must be 1-64 characters with a non-space character");
    }
    if (auto it = inst.find("endpoints"); it != inst.end()) {
        for (const auto& ep : *it) {
            if (!has_non_space(ep.get<std::string>())) {
                return invalid("an endpoint is blank");
            }
        }
    }
    if (auto status = str(inst, "status"); !status.empty() && !is_instance_status(status)) {
        return invalid("field 'status' must be UP, DOWN, STARTING, TESTING or OUTOFSERVICE");
    }
    if (auto it = inst.find("healthCheck"); it != inst.end()) {
        const auto mode = str(*it, "mode");
        if (mode != "push" && mode != "pull") {
            return invalid("field 'healthCheck.mode' must be push or pull");
        }
        const auto interval = it->value("interval", 0);
        const auto times = it->value("times", 0);
        const auto port = it->value("port", 0);
        if (mode == "push" && interval < 1) {
            return invalid("field 'healthCheck.interval' must be at least 1");
        }
        if (times < 0 || port < 0 || port > 65535) {
            return invalid("field 'healthCheck.times' or 'healthCheck.port' is out of range");
        }
    }
    if (auto it = inst.find("dataCenterInfo"); it != inst.end()) {
        for (const char* field : {"name", "region", "availableZone"}) {
            const auto value = str(*it, field);
            if (value.size() > 128 || !is_token(value, false)) {
                return invalid(std::string("field 'dataCenterInfo.") + field +
                               "' must match ^[A-Za-z0-9_.-]+$ (1-128)");
            }
        }
    }
    return std::nullopt;
}

std::optional<ApiError> validate_find(const std::string& app, const std::string& name,
                                      const std::string& env) {
    if (auto e = check_name_field(app, "appId", 1, 160, false)) {
        return e;
    }
    if (auto e = check_name_field(name, "serviceName", 1, 289, true)) {
        return e;
    }
    if (!is_environment(env)) {
        return invalid("field 'env' must be development, testing, acceptance or production");
    }
    return std::nullopt;
}

std::optional<ApiError> validate_existence(const std::string& app, const std::string& name,
                                           const std::string& version, const std::string& env) {
    if (auto e = validate_find(app, name, env)) {
        return e;
    }
    if (!is_version(version)) {
        return invalid("field 'version' must be an exact version such as 1.0.0");
    }
    return std::nullopt;
}

}  // namespace scagent::dev_registry
