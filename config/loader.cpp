#include "config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace scagent::config {
namespace fs = std::filesystem;
namespace {

constexpr std::uintmax_t kMaxConfigFileBytes = 1 << 20;

/// Reads a whole file (or its embedded stand-in); an error names the path and the reason.
std::optional<std::string> read_text(const std::string& path, const LoadOptions& options,
                                     const Location& where, const std::string& what,
                                     Diagnostics& diagnostics) {
    if (const auto embedded = options.embedded_files.find(path);
        embedded != options.embedded_files.end()) {
        return embedded->second;
    }
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxConfigFileBytes) {
        diagnostics.error(where, "", "cannot read " + what + " " + path + ": larger than 1 MiB");
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.error(where, "",
                          "cannot read " + what + " " + path + ": " + std::strerror(errno));
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Expands one `services:` entry into descriptor files: a file itself, or a directory's
/// `*.yaml` files in name order.
std::vector<std::string> expand_entry(const std::string& entry, const LoadOptions& options,
                                      const Location& where, const std::string& path,
                                      Diagnostics& diagnostics) {
    std::vector<std::string> files;
    // Embedded files behave like a directory tree too.
    for (const auto& [name, text] : options.embedded_files) {
        if (name == entry) {
            return {name};
        }
        if (name.starts_with(entry + "/") && name.ends_with(".yaml") &&
            name.find('/', entry.size() + 1) == std::string::npos) {
            files.push_back(name);
        }
    }
    if (!files.empty()) {
        return files;
    }
    std::error_code ec;
    const auto status = fs::status(entry, ec);
    if (ec || !fs::exists(status)) {
        diagnostics.error(where, path, "'" + entry + "' does not exist");
        return {};
    }
    if (!fs::is_directory(status)) {
        return {entry};
    }
    for (const auto& item : fs::directory_iterator(entry, ec)) {
        if (item.path().extension() == ".yaml" && !item.is_directory()) {
            files.push_back(item.path().string());
        }
    }
    if (ec) {
        diagnostics.error(where, path, "cannot list '" + entry + "': " + ec.message());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string resolve(const std::string& entry, const std::string& config_file) {
    if (entry.empty() || fs::path(entry).is_absolute()) {
        return entry;
    }
    const fs::path base = fs::path(config_file).parent_path();
    return base.empty() ? entry : (base / entry).lexically_normal().string();
}

}  // namespace

std::optional<ServiceDescriptor> parse_service_descriptor_text(const std::string& text,
                                                               const std::string& file,
                                                               Diagnostics& diagnostics,
                                                               const LoadOptions& options) {
    Diagnostics local;
    const auto document = parse_yaml(text, file, local);
    ServiceDescriptor descriptor;
    descriptor.source_file = file;
    if (document) {
        ParseContext context{file, &local, options.env, false};
        MapReader root(context, *document, "", {file, 1, 1});
        parse_service_descriptor(root, descriptor);
    }
    diagnostics.append(local);
    if (!local.empty()) {
        return std::nullopt;
    }
    return descriptor;
}

std::vector<ServiceDescriptor> load_service_descriptors(const AgentConfig& agent,
                                                        Diagnostics& diagnostics,
                                                        const LoadOptions& options) {
    std::vector<ServiceDescriptor> descriptors;
    std::map<std::string, std::string> seen;  // identity -> file
    for (std::size_t i = 0; i < agent.services.size(); ++i) {
        const std::string entry = resolve(agent.services[i], agent.source_file);
        const Location where{agent.source_file, 0, 0};
        const std::string path = "services[" + std::to_string(i) + "]";
        for (const auto& file : expand_entry(entry, options, where, path, diagnostics)) {
            const auto text =
                read_text(file, options, {file, 0, 0}, "service descriptor", diagnostics);
            if (!text) {
                continue;
            }
            auto descriptor = parse_service_descriptor_text(*text, file, diagnostics, options);
            if (!descriptor) {
                continue;
            }
            const auto [previous, inserted] = seen.emplace(descriptor->identity(), file);
            if (!inserted) {
                diagnostics.error({file, 1, 1}, "servicecomb.service",
                                  "the same service (" + descriptor->identity() +
                                      ") is already described by " + previous->second);
                continue;
            }
            descriptors.push_back(std::move(*descriptor));
        }
    }
    return descriptors;
}

std::optional<LoadedConfig> load_config(const std::string& path, Diagnostics& diagnostics,
                                        const LoadOptions& options) {
    const auto text = read_text(path, options, {path, 0, 0}, "config file", diagnostics);
    if (!text) {
        return std::nullopt;
    }
    LoadedConfig loaded;
    loaded.agent.source_file = path;
    Diagnostics local;
    const auto document = parse_yaml(*text, path, local);
    if (document) {
        ParseContext context{path, &local, options.env, true};
        MapReader root(context, *document, "", {path, 1, 1});
        parse_agent_config(root, loaded.agent);
        // Point `services[i]` problems at the list items themselves.
        if (local.empty()) {
            Diagnostics service_problems;
            loaded.services = load_service_descriptors(loaded.agent, service_problems, options);
            for (auto item : service_problems.items()) {
                if (item.where.file == path && item.where.line == 0 && (*document)["services"] &&
                    (*document)["services"].IsSequence()) {
                    const auto index = std::stoul(item.path.substr(9));
                    const auto mark = (*document)["services"][index].Mark();
                    item.where = location_of(context, mark);
                }
                local.error(item.where, item.path, item.message);
            }
        }
    }
    diagnostics.append(local);
    if (!local.empty()) {
        return std::nullopt;
    }
    return loaded;
}

}  // namespace scagent::config
