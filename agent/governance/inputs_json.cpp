#include "agent/governance/inputs_json.hpp"

namespace scagent::governance {

nlohmann::json inputs_to_json(const std::vector<RawInput>& inputs) {
    auto array = nlohmann::json::array();
    for (const auto& input : inputs) {
        array.push_back({{"key", input.key},
                         {"value", input.value},
                         {"source", input.source},
                         {"revision", input.revision}});
    }
    return array;
}

std::vector<RawInput> inputs_from_json(const nlohmann::json& json) {
    std::vector<RawInput> inputs;
    if (!json.is_array()) {
        return inputs;
    }
    for (const auto& item : json) {
        if (!item.is_object()) {
            continue;
        }
        const auto key = item.find("key");
        const auto value = item.find("value");
        const auto source = item.find("source");
        if (key == item.end() || !key->is_string() || value == item.end() || !value->is_string() ||
            source == item.end() || !source->is_string()) {
            continue;
        }
        RawInput input{key->get<std::string>(), value->get<std::string>(),
                       source->get<std::string>()};
        const auto revision = item.find("revision");
        if (revision != item.end() && revision->is_number_integer()) {
            input.revision = revision->get<std::int64_t>();
        }
        inputs.push_back(std::move(input));
    }
    return inputs;
}

}  // namespace scagent::governance
