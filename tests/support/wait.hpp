#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace scagent::test {

/// How long a test waits for something that should happen "soon": far beyond any honest delay
/// on a loaded CI machine, so reaching it means the thing did not happen at all.
inline constexpr std::chrono::seconds kEventDeadline{30};

/// Polls `condition` until it holds, or fails with "timed out after N s waiting for: `what`".
/// Only for state nothing can signal (another process's files, a registry's tables); a test that
/// can wait on the event itself (a future, a blocking query, a watch) does that instead.
template <typename Condition>
::testing::AssertionResult wait_until(Condition condition, const std::string& what,
                                      std::chrono::milliseconds deadline = kEventDeadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= end) {
            return ::testing::AssertionFailure()
                   << "timed out after "
                   << std::chrono::duration_cast<std::chrono::seconds>(deadline).count()
                   << " s waiting for: " << what;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll period, not an order
    }
    return ::testing::AssertionSuccess();
}

}  // namespace scagent::test
