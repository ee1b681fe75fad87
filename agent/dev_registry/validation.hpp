#pragma once

#include <optional>
#include <string>

#include "agent/dev_registry/errors.hpp"
#include "agent/dev_registry/json_fields.hpp"

namespace scagent::dev_registry {

/// Rules of spec §1.3. Each returns the 400001 to send, or nothing when the input is valid.
std::optional<ApiError> validate_service(const OrderedJson& service);
std::optional<ApiError> validate_instance(const OrderedJson& instance);
std::optional<ApiError> validate_find(const std::string& app, const std::string& name,
                                      const std::string& env);
std::optional<ApiError> validate_existence(const std::string& app, const std::string& name,
                                           const std::string& version, const std::string& env);

bool is_instance_status(const std::string& status);
bool is_environment(const std::string& env);
bool is_version(const std::string& version);
/// `^[a-zA-Z0-9]*$|^[a-zA-Z0-9][a-zA-Z0-9_\-.]*[a-zA-Z0-9]$`, plus ':' when `allow_colon`.
bool is_name(const std::string& s, bool allow_colon = false);

}  // namespace scagent::dev_registry
