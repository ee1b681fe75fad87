#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "agent/dev_registry/errors.hpp"

namespace scagent::dev_registry {

using Json = nlohmann::json;
/// Response documents keep the field order of the Go structs SC marshals.
using OrderedJson = nlohmann::ordered_json;

/// How a request body maps onto a Go struct: typed fields, unknown keys ignored, keys matched
/// case-insensitively (encoding/json does), empty values dropped (`omitempty`).
struct FieldSpec {
    enum class Kind { kString, kStringList, kStringMap, kInt32, kObject, kObjectList };
    const char* name;
    Kind kind;
    const std::vector<FieldSpec>* children = nullptr;
};

/// Converts `in` (a JSON object) into an ordered document of `fields`; a type mismatch is a
/// 400001 whose detail names the field, as Go's unmarshal error would.
Result<OrderedJson> convert_object(const Json& in, const std::vector<FieldSpec>& fields,
                                   const std::string& path);

/// Looks `key` up in an object the way encoding/json does: exact first, then case-insensitive.
const Json* find_field(const Json& object, const std::string& key);

/// Parses a request body; bad JSON or a non-object is 400001.
Result<Json> parse_body(const std::string& body);

const std::vector<FieldSpec>& service_fields();
const std::vector<FieldSpec>& instance_fields();

/// A string member of a document, or "" when absent.
std::string str(const OrderedJson& doc, const char* key);

}  // namespace scagent::dev_registry

namespace scagent::dev_registry {

/// Puts the top-level keys of `doc` back into the order of `fields` (unknown keys last).
OrderedJson reorder(const OrderedJson& doc, const std::vector<FieldSpec>& fields);

/// Unix seconds as a decimal string, the form SC uses for timestamps.
std::string unix_seconds_now();

}  // namespace scagent::dev_registry
