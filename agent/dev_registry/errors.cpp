#include "agent/dev_registry/errors.hpp"

#include <nlohmann/json.hpp>

namespace scagent::dev_registry {

namespace {

nlohmann::ordered_json body_of(std::int32_t code, const std::string& message,
                               const std::string& detail) {
    nlohmann::ordered_json body;
    body["errorCode"] = std::to_string(code);
    body["errorMessage"] = message;
    if (!detail.empty()) {
        body["detail"] = detail;
    }
    return body;
}

net::Status status_of(std::int32_t code) {
    return static_cast<net::Status>(code / 1000);
}

}  // namespace

std::string sc_message(std::int32_t code) {
    switch (code) {
        case 400001:
            return "Invalid parameter(s)";
        case 400002:
            return "Server is Unhealthy";
        case 400010:
            return "Micro-service already exists";
        case 400012:
            return "Micro-service does not exist";
        case 400013:
            return "Micro-service has deployed instance(s)";
        case 400017:
            return "Instance does not exist";
        case 400026:
            return "Micro-service version does not exist";
        case 400100:
            return "Not enough quota";
        case 401201:
            return "Request unauthorized";
        case 401202:
            return "User name or password is wrong";
        case 401204:
            return "No authorization header";
        case 401205:
            return "Token is expired";
        default:
            return "Internal server error";
    }
}

std::string kie_message(std::int32_t code) {
    switch (code) {
        case 400001:
            return "invalid parameter(s)";
        case 400003:
            return "failed to observe event";
        case 404001:
            return "record does not exist";
        case 409001:
            return "record already exist";
        case 422001:
            return "quota is not enough";
        case 401201:
            return "Request unauthorized";
        case 401204:
            return "No authorization header";
        case 401205:
            return "Token is expired";
        default:
            return "internal server error";
    }
}

net::Reply sc_error(const ApiError& error) {
    return net::Reply(status_of(error.code),
                      body_of(error.code, sc_message(error.code), error.detail).dump(),
                      "application/json; charset=UTF-8");
}

net::Reply kie_error(const ApiError& error) {
    return net::Reply::json(status_of(error.code),
                            body_of(error.code, kie_message(error.code), error.detail).dump(1));
}

}  // namespace scagent::dev_registry
