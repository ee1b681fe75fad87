#pragma once

#include <string>

namespace scagent::test {

/// The checkout the tests were built from (its tests/data, config/examples, ...).
const std::string& source_dir();

/// The sc-agent binary of the same build, for tests that run it as a child process.
const std::string& agent_binary();

}  // namespace scagent::test
