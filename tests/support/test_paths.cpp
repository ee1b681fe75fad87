#include "tests/support/test_paths.hpp"

// The two paths reach this file alone, as compile definitions (tests/support/CMakeLists.txt):
// a definition holding the checkout's absolute path makes every file compiled with it a ccache
// miss in a clone in another directory, so no other test file carries one.

namespace scagent::test {

const std::string& source_dir() {
    static const std::string path = SC_AGENT_SOURCE_DIR;
    return path;
}

const std::string& agent_binary() {
    static const std::string path = SC_AGENT_BINARY;
    return path;
}

}  // namespace scagent::test
