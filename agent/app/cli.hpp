#pragma once

namespace scagent::app {

/// Parses argv with CLI11 and runs the chosen command; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace scagent::app
