// agent.yaml and service descriptors, as an operator (or a config tool) writes them: every
// problem must come back as a diagnostic, never as a crash or an unbounded allocation.
#include <string>

#include "config/loader.hpp"
#include "tests/fuzz/fuzz_target.hpp"

SC_AGENT_FUZZ_TARGET(fuzz_config) {
    using namespace scagent::config;
    const std::string text(scagent::fuzz::text_of(data, size));
    LoadOptions options;
    options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    options.embedded_files["/fuzz/agent.yaml"] = text;
    Diagnostics agent_problems;
    (void)load_config("/fuzz/agent.yaml", agent_problems, options);
    Diagnostics descriptor_problems;
    (void)parse_service_descriptor_text(text, "/fuzz/service.yaml", descriptor_problems, options);
    return 0;
}
