#pragma once

#include <chrono>

namespace scagent::net {

/// Absolute point in real (steady) time by which an operation (a connect, a whole request) must
/// be done.
using Deadline = std::chrono::steady_clock::time_point;

}  // namespace scagent::net
