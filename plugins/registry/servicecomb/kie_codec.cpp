#include "plugins/registry/servicecomb/kie_codec.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "plugins/registry/servicecomb/escape.hpp"
#include "plugins/registry/servicecomb/json_fields.hpp"

namespace scagent::plugins::servicecomb {

HttpRequest kie_list_request(const KieListQuery& query) {
    QueryString params;
    for (const auto& [key, value] : query.labels) {
        params.add("label", key + ":" + value);
    }
    if (query.match_exact) {
        params.add("match", "exact");
    }
    if (query.revision) {
        params.add("revision", std::to_string(*query.revision));
    }
    params.add_if("wait", query.wait).add_if("key", query.key).add_if("status", query.status);

    HttpRequest request;
    request.method = "GET";
    request.target = "/v1/" +
                     escape_path_segment(query.project.empty() ? "default" : query.project) +
                     "/kie/kv" + params.str();
    request.idempotent = true;
    request.headers.emplace_back("Accept", "application/json");
    return request;
}

void from_json(const nlohmann::json& json, KvDoc& value) {
    json_fields::expect_object(json, "kv");
    json_fields::read(json, "id", value.id);
    json_fields::read(json, "key", value.key);
    json_fields::read(json, "value", value.value);
    json_fields::read(json, "value_type", value.value_type);
    json_fields::read(json, "status", value.status);
    json_fields::read(json, "labels", value.labels);
    json_fields::read_int(json, "create_revision", value.create_revision);
    json_fields::read_int(json, "update_revision", value.update_revision);
    json_fields::read_int(json, "create_time", value.create_time);
    json_fields::read_int(json, "update_time", value.update_time);
}

Result<KieListResult> decode_kie_list(const HttpResponse& response) {
    KieListResult result;
    if (const auto* text = response.header(kKieRevisionHeader)) {
        std::int64_t revision = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), revision);
        if (ec == std::errc() && end == text->data() + text->size()) {
            result.revision = revision;
        }
    }
    if (response.status == 304) {
        result.not_modified = true;
        return result;
    }
    if (!response.ok()) {
        return decode_error_response(response);
    }
    auto json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
        return make_decode_error("kie list body is not a JSON object", response);
    }
    try {
        json_fields::read_int(json, "total", result.total);
        json_fields::read(json, "data", result.data);
    } catch (const std::exception& e) {
        return make_decode_error(std::string("unexpected kie list shape: ") + e.what(), response);
    }
    return result;
}

}  // namespace scagent::plugins::servicecomb
