#pragma once

#include <string>

#include "tests/support/temp_dir.hpp"

namespace scagent::test {

/// An agent.yaml for tests: loopback listeners on port 0, no disk snapshot, no drain waits,
/// descriptors from services.d. Set the fields a test cares about, then write() it.
struct AgentYaml {
    std::string registry;         ///< registry.addresses, e.g. "http://127.0.0.1:1234, http://..."
    std::string registry_extra;   ///< more `registry:` keys, each line indented two spaces
    std::string config_center;    ///< config_center.addresses; empty: none
    std::string governance_file;  ///< omitted when empty
    std::string snapshot_path;    ///< cache.snapshot_path; empty: no disk snapshot
    std::string drain = "{delay: 0s, timeout: 2s}";
    std::string log_level = "warn";  ///< omitted when empty (the agent's default)
    std::string extra;               ///< more top-level keys

    std::string text() const {
        std::string out = "registry:\n  addresses: [" + registry + "]\n" + registry_extra +
                          "config_center:\n  addresses: [" + config_center + "]\n";
        if (!governance_file.empty()) {
            out += "governance_file: \"" + governance_file + "\"\n";
        }
        out +=
            "services: [services.d]\n"
            "listen:\n  api: 127.0.0.1:0\n  proxy: 127.0.0.1:0\n"
            "cache:\n  snapshot_path: \"" +
            snapshot_path + "\"\ndrain: " + drain + "\n";
        if (!log_level.empty()) {
            out += "log: {level: " + log_level + "}\n";
        }
        return out + extra;
    }
    /// Writes `dir`/agent.yaml; its path.
    std::string write(const TempDir& dir) const { return dir.write("agent.yaml", text()); }
};

/// A service descriptor of app itest, version 1.2.3, environment testing, with a 1 s lease
/// interval (heartbeats every 1 s, scaled down by the test agent). `extra` adds lines under
/// `servicecomb:` (two-space indented keys such as `  check:` or `  dependencies:`).
inline std::string descriptor_yaml(const std::string& name, const std::string& extra = "",
                                   const std::string& endpoint = "rest://127.0.0.1:18080") {
    return "servicecomb:\n"
           "  service:\n"
           "    app: itest\n"
           "    name: " +
           name +
           "\n"
           "    version: 1.2.3\n"
           "    environment: testing\n"
           "    description: integration test service\n"
           "    properties: {owner: team-a}\n"
           "    instanceProperties: {zone: z1}\n"
           "  instance:\n"
           "    endpoints: [" +
           endpoint +
           "]\n"
           "    hostname: itest-host\n"
           "    healthCheck: {interval: 1, times: 3}\n" +
           extra;
}

/// Writes `dir`/services.d/`name`.yaml from descriptor_yaml(); its path.
inline std::string write_descriptor(const TempDir& dir, const std::string& name,
                                    const std::string& extra = "") {
    return dir.write("services.d/" + name + ".yaml", descriptor_yaml(name, extra));
}

}  // namespace scagent::test
