#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/runtime/task_group.hpp"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace scagent::runtime {

/// Restart timing and the test hook of a Supervisor.
struct SupervisorOptions {
    std::chrono::milliseconds backoff_min{1000};
    std::chrono::milliseconds backoff_max{30000};
    /// Told a loop's name at every checkpoint; tests throw from it to fault a loop.
    std::function<void(std::string_view loop)> fault_hook;
};

/// Keeps the agent's long-lived loops alive: a loop that throws is logged, counted in
/// `sc_agent_loop_restarts_total{loop}`, reported by fault() (so /readyz answers 503 naming the
/// loop and the reason) and restarted after a backoff (1 s doubling to 30 s). The report is
/// cleared when the loop restarts. A cancelled loop ends quietly.
///
/// Thread-safety: every member may be called from any thread.
class Supervisor {
  public:
    /// Called by a loop at the top of every iteration; throws to inject a fault (tests). A
    /// no-op in production.
    using Checkpoint = std::function<void()>;
    using Body = std::function<boost::asio::awaitable<void>(Checkpoint)>;

    using Options = SupervisorOptions;

    /// `metrics` may be null (unit tests).
    explicit Supervisor(prometheus::Registry* metrics = nullptr, Options options = {});
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    /// Runs `body` in `group` on `executor` under supervision. `loop` names it in logs, the
    /// metric and fault(), e.g. "discovery.refresher".
    void spawn(TaskGroup& group, const boost::asio::any_io_executor& executor, std::string loop,
               Body body);

    /// "loop: reason; ..." for every loop waiting to restart, or nothing.
    std::optional<std::string> fault() const;
    std::uint64_t restarts(std::string_view loop) const;

  private:
    boost::asio::awaitable<void> supervise(std::string loop, Body body);
    void report(const std::string& loop, std::string reason);
    void clear(const std::string& loop);

    Options options_;
    prometheus::Family<prometheus::Counter>* restarts_family_ = nullptr;
    mutable std::mutex mutex_;
    std::map<std::string, std::string, std::less<>> faults_;
    std::map<std::string, std::uint64_t, std::less<>> restarts_;
};

/// A component's own supervised loops: a TaskGroup plus the daemon's Supervisor (or, when none
/// is given, as in unit tests, a private one that nobody reads).
class SupervisedGroup {
  public:
    explicit SupervisedGroup(Supervisor* supervisor)
        : own_(supervisor ? nullptr : std::make_unique<Supervisor>()),
          supervisor_(supervisor ? *supervisor : *own_) {}

    void spawn(const boost::asio::any_io_executor& executor, std::string loop,
               Supervisor::Body body) {
        supervisor_.spawn(tasks_, executor, std::move(loop), std::move(body));
    }
    void cancel() { tasks_.cancel(); }
    boost::asio::awaitable<void> wait() { return tasks_.wait(); }
    TaskGroup& tasks() noexcept { return tasks_; }
    Supervisor& supervisor() noexcept { return supervisor_; }

  private:
    std::unique_ptr<Supervisor> own_;
    Supervisor& supervisor_;
    TaskGroup tasks_;
};

}  // namespace scagent::runtime
