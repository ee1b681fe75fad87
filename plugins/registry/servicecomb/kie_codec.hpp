#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plugins/api/http_message.hpp"
#include "plugins/registry/servicecomb/model.hpp"
#include "plugins/registry/servicecomb/registry_error.hpp"

namespace scagent::plugins::servicecomb {

/// GET /v1/{project}/kie/kv (spec §3.2).
struct KieListQuery {
    std::string project = "default";
    /// Sent in this order, one `label=k:v` each; an empty value is kept (environment:).
    std::vector<std::pair<std::string, std::string>> labels{};
    bool match_exact = false;
    std::optional<std::int64_t> revision{};  ///< last X-Kie-Revision; equal -> 304 or long poll
    std::string wait{};                      ///< Go duration ("10s"): long poll; empty = none
    std::string key{};                       ///< exact, beginWith(x) or wildcard(x*)
    std::string status{};                    ///< "enabled" to drop disabled docs server-side
};

struct KvDoc {
    std::string id{};
    std::string key{};
    std::string value{};
    std::string value_type{};
    std::string status{};
    Properties labels{};
    std::int64_t create_revision = 0;
    std::int64_t update_revision = 0;
    std::int64_t create_time = 0;
    std::int64_t update_time = 0;
    bool operator==(const KvDoc&) const = default;
};

struct KieListResult {
    bool not_modified = false;               ///< 304: nothing changed (or the long poll timed out)
    std::optional<std::int64_t> revision{};  ///< X-Kie-Revision when present and numeric
    std::int64_t total = 0;
    std::vector<KvDoc> data{};
};

inline constexpr std::string_view kKieRevisionHeader = "X-Kie-Revision";

HttpRequest kie_list_request(const KieListQuery& query);
/// Never throws; 304 -> not_modified; kie errors decode like SC's (same body shape).
Result<KieListResult> decode_kie_list(const HttpResponse& response);

void from_json(const nlohmann::json& json, KvDoc& value);

}  // namespace scagent::plugins::servicecomb
