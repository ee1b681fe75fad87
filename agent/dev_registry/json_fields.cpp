#include "agent/dev_registry/json_fields.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>

namespace scagent::dev_registry {

namespace {

using Kind = FieldSpec::Kind;

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

ApiError type_error(const std::string& path, const char* type) {
    return ApiError{kInvalidParams, "cannot unmarshal " + path + " into Go value of type " + type};
}

/// Converts one value; `out` stays null for an empty value so that omitempty drops it.
Result<OrderedJson> convert_value(const Json& v, const FieldSpec& spec, const std::string& path) {
    if (v.is_null()) {
        return OrderedJson();
    }
    switch (spec.kind) {
        case Kind::kString:
            if (!v.is_string()) {
                return type_error(path, "string");
            }
            return v.get<std::string>().empty() ? OrderedJson() : OrderedJson(v.get<std::string>());
        case Kind::kInt32: {
            if (!v.is_number()) {
                return type_error(path, "int32");
            }
            const double d = v.get<double>();
            if (std::floor(d) != d || d < std::numeric_limits<std::int32_t>::min() ||
                d > std::numeric_limits<std::int32_t>::max()) {
                return type_error(path, "int32");
            }
            const auto i = static_cast<std::int32_t>(d);
            return i == 0 ? OrderedJson() : OrderedJson(i);
        }
        case Kind::kStringList: {
            if (!v.is_array()) {
                return type_error(path, "[]string");
            }
            OrderedJson out = OrderedJson::array();
            for (const auto& e : v) {
                if (!e.is_string()) {
                    return type_error(path, "[]string");
                }
                out.push_back(e.get<std::string>());
            }
            return out.empty() ? OrderedJson() : out;
        }
        case Kind::kStringMap: {
            if (!v.is_object()) {
                return type_error(path, "map[string]string");
            }
            OrderedJson out = OrderedJson::object();
            for (const auto& [k, e] : v.items()) {
                if (!e.is_string()) {
                    return type_error(path, "map[string]string");
                }
                out[k] = e.get<std::string>();
            }
            return out.empty() ? OrderedJson() : out;
        }
        case Kind::kObject:
            if (!v.is_object()) {
                return type_error(path, "object");
            }
            return convert_object(v, *spec.children, path);
        case Kind::kObjectList: {
            if (!v.is_array()) {
                return type_error(path, "[]object");
            }
            OrderedJson out = OrderedJson::array();
            for (const auto& e : v) {
                if (!e.is_object()) {
                    return type_error(path, "[]object");
                }
                auto item = convert_object(e, *spec.children, path);
                if (failed(item)) {
                    return item;
                }
                out.push_back(std::get<OrderedJson>(item));
            }
            return out.empty() ? OrderedJson() : out;
        }
    }
    return OrderedJson();
}

const std::vector<FieldSpec> kPathFields = {
    {"path", Kind::kString},
    {"property", Kind::kStringMap},
};
const std::vector<FieldSpec> kFrameworkFields = {
    {"name", Kind::kString},
    {"version", Kind::kString},
};
const std::vector<FieldSpec> kServiceFields = {
    {"serviceId", Kind::kString},    {"appId", Kind::kString},
    {"serviceName", Kind::kString},  {"version", Kind::kString},
    {"description", Kind::kString},  {"level", Kind::kString},
    {"schemas", Kind::kStringList},  {"paths", Kind::kObjectList, &kPathFields},
    {"status", Kind::kString},       {"properties", Kind::kStringMap},
    {"timestamp", Kind::kString},    {"alias", Kind::kString},
    {"modTimestamp", Kind::kString}, {"environment", Kind::kString},
    {"registerBy", Kind::kString},   {"framework", Kind::kObject, &kFrameworkFields},
};
const std::vector<FieldSpec> kHealthCheckFields = {
    {"mode", Kind::kString}, {"port", Kind::kInt32}, {"interval", Kind::kInt32},
    {"times", Kind::kInt32}, {"url", Kind::kString},
};
const std::vector<FieldSpec> kDataCenterFields = {
    {"name", Kind::kString},
    {"region", Kind::kString},
    {"availableZone", Kind::kString},
};
const std::vector<FieldSpec> kInstanceFields = {
    {"instanceId", Kind::kString},
    {"serviceId", Kind::kString},
    {"endpoints", Kind::kStringList},
    {"hostName", Kind::kString},
    {"status", Kind::kString},
    {"properties", Kind::kStringMap},
    {"healthCheck", Kind::kObject, &kHealthCheckFields},
    {"timestamp", Kind::kString},
    {"dataCenterInfo", Kind::kObject, &kDataCenterFields},
    {"modTimestamp", Kind::kString},
    {"version", Kind::kString},
};

}  // namespace

const Json* find_field(const Json& object, const std::string& key) {
    if (!object.is_object()) {
        return nullptr;
    }
    if (auto it = object.find(key); it != object.end()) {
        return &*it;
    }
    for (const auto& [k, v] : object.items()) {
        if (iequals(k, key)) {
            return &v;
        }
    }
    return nullptr;
}

Result<OrderedJson> convert_object(const Json& in, const std::vector<FieldSpec>& fields,
                                   const std::string& path) {
    OrderedJson out = OrderedJson::object();
    for (const auto& spec : fields) {
        const Json* v = find_field(in, spec.name);
        if (v == nullptr || v->is_null()) {
            continue;
        }
        auto converted = convert_value(*v, spec, path + "." + spec.name);
        if (failed(converted)) {
            return converted;
        }
        auto& value = std::get<OrderedJson>(converted);
        // A present nested struct is a non-nil pointer in Go and is kept even when empty.
        if (!value.is_null() || spec.kind == Kind::kObject) {
            out[spec.name] = value.is_null() ? OrderedJson::object() : std::move(value);
        }
    }
    return out;
}

Result<Json> parse_body(const std::string& body) {
    Json parsed = Json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        return ApiError{kInvalidParams, "request body is not valid JSON"};
    }
    if (!parsed.is_object()) {
        return ApiError{kInvalidParams, "request body must be a JSON object"};
    }
    return parsed;
}

const std::vector<FieldSpec>& service_fields() {
    return kServiceFields;
}
const std::vector<FieldSpec>& instance_fields() {
    return kInstanceFields;
}

std::string str(const OrderedJson& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace scagent::dev_registry

namespace scagent::dev_registry {

OrderedJson reorder(const OrderedJson& doc, const std::vector<FieldSpec>& fields) {
    OrderedJson out = OrderedJson::object();
    for (const auto& spec : fields) {
        if (auto it = doc.find(spec.name); it != doc.end()) {
            out[spec.name] = *it;
        }
    }
    for (const auto& [k, v] : doc.items()) {
        if (!out.contains(k)) {
            out[k] = v;
        }
    }
    return out;
}

std::string unix_seconds_now() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace scagent::dev_registry
