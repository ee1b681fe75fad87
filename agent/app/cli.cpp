#include "agent/app/cli.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <string>

#include "agent/app/commands.hpp"
#include "agent/dev_registry/dev_registry_command.hpp"
#include "agent/runtime/io_backend.hpp"
#include "build_info.hpp"

namespace scagent::app {

int run_cli(int argc, char** argv) {
    CLI::App app{"sc-agent: a ServiceComb sidecar agent (service center v4, kie governance)",
                 "sc-agent"};
    app.set_version_flag("--version", std::string("sc-agent ") + build::kVersion + " (" +
                                          build::kBuildType + ", " + build::kCompiler + ", " +
                                          std::string(runtime::io_backend_name()) + ")");
    app.require_subcommand(1);

    std::string run_config = "/etc/sc-agent/agent.yaml";
    auto* run = app.add_subcommand("run", "Run the agent daemon");
    run->add_option("--config", run_config, "agent.yaml to use")->capture_default_str();

    std::optional<std::string> dev_config;
    auto* dev = app.add_subcommand(
        "dev", "Run the embedded dev registry + kie on loopback and the agent against them");
    dev->add_option("--config", dev_config, "agent.yaml to use (default: the bundled example)");

    dev_registry::DevRegistryOptions registry_options;
    auto* dev_registry = app.add_subcommand(
        "dev-registry", "Run the embedded in-memory service center and kie alone");
    dev_registry->add_option("--listen", registry_options.listen, "service center address")
        ->capture_default_str();
    dev_registry->add_option("--kie-listen", registry_options.kie_listen, "kie address")
        ->capture_default_str();
    dev_registry->add_option("--auth", registry_options.auth,
                             "user:password; turns on RBAC (POST /v4/token)");

    std::string validate_config;
    auto* validate = app.add_subcommand(
        "validate",
        "Load agent.yaml and every service descriptor, print all problems, run nothing");
    validate->add_option("--config", validate_config, "agent.yaml to check")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);  // prints help, version or the usage error
        return code == 0 ? kExitOk : kExitUsage;
    }

    if (!validate->parsed()) {
        if (auto problem = runtime::io_backend_problem()) {
            std::fprintf(stderr, "sc-agent: %s\n", problem->c_str());
            return kExitNoIoUring;
        }
    }
    if (run->parsed()) {
        return run_command(run_config);
    }
    if (dev->parsed()) {
        return dev_command(dev_config);
    }
    if (dev_registry->parsed()) {
        return dev_registry::run_dev_registry_command(registry_options);
    }
    return validate_command(validate_config);
}

}  // namespace scagent::app
