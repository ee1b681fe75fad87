#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace scagent::test {

/// What a finished child process left behind.
struct ProcessResult {
    int exit_code = -1;
    std::string output;  ///< stdout and stderr, interleaved
};

/// Runs a shell command line to completion (for CLI tests of the real binary).
inline ProcessResult run_command_line(const std::string& command_line) {
    FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("popen failed: " + command_line);
    }
    ProcessResult result;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
        result.output.append(buffer.data(), n);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace scagent::test
