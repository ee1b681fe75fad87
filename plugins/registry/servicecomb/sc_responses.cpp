#include "plugins/registry/servicecomb/sc_responses.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "plugins/registry/servicecomb/instance_stream.hpp"
#include "plugins/registry/servicecomb/json_fields.hpp"
#include "plugins/registry/servicecomb/sc_requests.hpp"

namespace scagent::plugins::servicecomb {
namespace {

// Parses a 2xx body and hands the object to `extract`; every failure becomes a RegistryError.
// With a `stream`, instances are decoded during the parse (answers that list instances).
template <class T, class Extract>
Result<T> decode_object(const HttpResponse& response, Extract extract,
                        InstanceStream* stream = nullptr) {
    if (!response.ok()) {
        return decode_error_response(response);
    }
    auto json = stream != nullptr
                    ? stream->parse(response.body)
                    : nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        return make_decode_error("response body is not JSON", response);
    }
    if (!json.is_object()) {
        return make_decode_error("response body is not a JSON object", response);
    }
    if (stream != nullptr && stream->error()) {
        return make_decode_error("unexpected response shape: " + *stream->error(), response);
    }
    try {
        return extract(json);
    } catch (const std::exception& e) {
        return make_decode_error(std::string("unexpected response shape: ") + e.what(), response);
    }
}

Result<std::string> required_string(const nlohmann::json& json, const char* key,
                                    const HttpResponse& response) {
    auto it = json.find(key);
    if (it == json.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        return make_decode_error(std::string("response has no \"") + key + "\"", response);
    }
    return it->get<std::string>();
}

// The HTTP status SC would have used for this error alone: code / 1000 (spec §1.1).
int status_of_code(std::string_view code) {
    int value = 0;
    auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), value);
    return ec == std::errc() && end == code.data() + code.size() ? value / 1000 : 0;
}

BatchFindGroup read_group(const nlohmann::json& json, InstanceStream& stream) {
    BatchFindGroup group;
    if (json.is_null()) {
        return group;
    }
    json_fields::expect_object(json, "batch find group");
    if (auto it = json.find("updated"); it != json.end() && !it->is_null()) {
        for (const auto& item : *it) {
            json_fields::expect_object(item, "updated entry");
            BatchFindGroup::Updated updated;
            json_fields::read_int(item, "index", updated.index);
            json_fields::read(item, "rev", updated.revision);
            updated.instances = stream.take(item, "instances");
            group.updated.push_back(std::move(updated));
        }
    }
    json_fields::read(json, "notModified", group.not_modified);
    if (auto it = json.find("failed"); it != json.end() && !it->is_null()) {
        for (const auto& item : *it) {
            json_fields::expect_object(item, "failed entry");
            BatchFindGroup::Failed failed;
            json_fields::read(item, "indexes", failed.indexes);
            const auto& error = item.value("error", nlohmann::json::object());
            failed.error = decode_error_response(HttpResponse{.status = 400, .body = error.dump()});
            failed.error.http_status = status_of_code(failed.error.code);
            group.failed.push_back(std::move(failed));
        }
    }
    return group;
}

}  // namespace

Result<std::string> decode_service_id(const HttpResponse& response) {
    return decode_object<std::string>(response, [&](const nlohmann::json& json) {
        return required_string(json, "serviceId", response);
    });
}

Result<MicroService> decode_service(const HttpResponse& response) {
    return decode_object<MicroService>(
        response, [&](const nlohmann::json& json) -> Result<MicroService> {
            auto it = json.find("service");
            if (it == json.end() || !it->is_object()) {
                return make_decode_error("response has no \"service\" object", response);
            }
            return it->get<MicroService>();
        });
}

Result<std::string> decode_instance_id(const HttpResponse& response) {
    return decode_object<std::string>(response, [&](const nlohmann::json& json) {
        return required_string(json, "instanceId", response);
    });
}

Result<std::vector<HeartbeatEntry>> decode_heartbeat_batch(const HttpResponse& response) {
    return decode_object<std::vector<HeartbeatEntry>>(response, [](const nlohmann::json& json) {
        std::vector<HeartbeatEntry> entries;
        json_fields::read(json, "instances", entries);
        return entries;
    });
}

Result<FindResult> decode_find_instances(const HttpResponse& response) {
    FindResult result;
    if (const auto* revision = response.header(kRevisionHeader)) {
        result.revision = *revision;
    }
    if (response.status == 304) {
        result.not_modified = true;
        return result;
    }
    // SC answers {} for a service without instances and may send an empty body through proxies.
    if (response.ok() && response.body.empty()) {
        return result;
    }
    InstanceStream stream;
    return decode_object<FindResult>(
        response,
        [&](const nlohmann::json& json) {
            result.instances = stream.take(json, "instances");
            return std::move(result);
        },
        &stream);
}

Result<BatchFindResult> decode_batch_find(const HttpResponse& response) {
    InstanceStream stream;
    return decode_object<BatchFindResult>(
        response,
        [&](const nlohmann::json& json) {
            BatchFindResult result;
            result.services = read_group(json.value("services", nlohmann::json()), stream);
            result.instances = read_group(json.value("instances", nlohmann::json()), stream);
            return result;
        },
        &stream);
}

Result<std::vector<MicroServiceInstance>> decode_instances(const HttpResponse& response) {
    return decode_object<std::vector<MicroServiceInstance>>(
        response, [](const nlohmann::json& json) {
            std::vector<MicroServiceInstance> instances;
            json_fields::read(json, "instances", instances);
            return instances;
        });
}

Result<Secret> decode_token(const HttpResponse& response) {
    return decode_object<Secret>(response, [&](const nlohmann::json& json) -> Result<Secret> {
        auto token = required_string(json, "token", response);
        if (!token) {
            return token.error();
        }
        return Secret(std::move(*token));
    });
}

Result<WatchEvent> decode_watch_event(std::string_view frame) {
    auto json = nlohmann::json::parse(frame, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
        RegistryError error{.kind = ErrorKind::decode,
                            .message = "watch frame is not a JSON object"};
        if (frame.find("service does not exist") != std::string_view::npos) {
            error.kind = ErrorKind::service;
            error.code = std::string(codes::kServiceNotExists);
            error.message = "consumer service does not exist";
        }
        error.detail = sanitized_excerpt(frame);
        return error;
    }
    try {
        return json.get<WatchEvent>();
    } catch (const std::exception& e) {
        return RegistryError{.kind = ErrorKind::decode,
                             .message = std::string("unexpected watch frame: ") + e.what()};
    }
}

}  // namespace scagent::plugins::servicecomb
