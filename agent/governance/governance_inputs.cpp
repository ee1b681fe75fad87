#include "agent/governance/governance_inputs.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "config/yaml_bounds.hpp"

namespace scagent::governance {

std::vector<RawInput> enabled_inputs(const std::vector<plugins::servicecomb::KvDoc>& docs,
                                     const std::string& source) {
    std::vector<RawInput> inputs;
    for (const auto& doc : docs) {
        if (doc.status != "enabled") {
            continue;
        }
        inputs.push_back(RawInput{doc.key, doc.value, source, doc.update_revision});
    }
    return inputs;
}

std::vector<plugins::governance::GovernanceInput> merge_inputs(
    const std::vector<RawInput>& file, const std::vector<std::vector<RawInput>>& dimensions) {
    std::vector<plugins::governance::GovernanceInput> merged;
    const auto add = [&merged](const std::vector<RawInput>& inputs) {
        for (const auto& input : inputs) {
            merged.push_back({input.key, input.value, input.source});
        }
    };
    add(file);
    for (const auto& dimension : dimensions) {
        add(dimension);
    }
    return merged;
}

FileInputs read_governance_file(const std::string& path) {
    FileInputs result;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        result.error = path + ": cannot open the governance file";
        return result;
    }
    std::stringstream text;
    text << in.rdbuf();
    YAML::Node root;
    try {
        // Bounded: a cyclic or exponentially aliased entry fails the file, whose last good
        // items stay in force, before the emitter below would follow it.
        root = config::load_yaml(text.str());
    } catch (const YAML::Exception& e) {
        result.error = path + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg;
        return result;
    }
    if (root.IsNull()) {
        return result;  // an empty file: no items
    }
    if (!root.IsMap()) {
        result.error = path + ": expected a mapping of kie key to YAML text";
        return result;
    }
    const std::string source = "file:" + path;
    std::set<std::string> seen;
    for (const auto& entry : root) {
        const auto mark = entry.first.Mark();
        const std::string where =
            path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
        if (!entry.first.IsScalar()) {
            result.error = where + ": a key must be a string";
            return result;
        }
        const auto key = entry.first.Scalar();
        if (!seen.insert(key).second) {
            result.error = where + ": " + key + ": duplicate key";
            return result;
        }
        std::string value;
        if (entry.second.IsScalar()) {
            value = entry.second.Scalar();
        } else if (!entry.second.IsNull()) {
            YAML::Emitter out;
            out << entry.second;
            value = out.c_str();
        }
        result.inputs.push_back(RawInput{key, std::move(value), source, 0});
    }
    return result;
}

}  // namespace scagent::governance
