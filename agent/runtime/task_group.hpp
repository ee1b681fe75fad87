#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/runtime/event.hpp"

namespace scagent::runtime {

/// The owner of a component's coroutines (Seastar's gate, Beast's task_group): every coroutine
/// is spawned here with its own cancellation signal, cancel() reaches all of them, and wait()
/// returns once none is left. Nothing the agent starts is detached.
///
/// Invariants:
/// 1. A task is counted from spawn() until its completion handler has run.
/// 2. After cancel(), spawn() refuses new tasks, so wait() cannot be overtaken.
/// 3. An exception that escapes a task is logged with the task's name (a cancellation is not).
/// 4. A signal is emitted on its task's executor (cancellation slots are not thread-safe), so
///    spawn tasks on a strand when the io_context runs several threads.
///
/// Thread-safety: every member may be called from any thread. The group may be destroyed once
/// wait() has returned; handlers still in flight hold the shared state, not the object.
class TaskGroup {
  public:
    TaskGroup();
    ~TaskGroup();
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    /// Starts `task` on `executor`. False (and `task` dropped unstarted) after cancel().
    bool spawn(const boost::asio::any_io_executor& executor, boost::asio::awaitable<void> task,
               std::string name);
    /// Emits terminal cancellation to every running task: its current operation completes with
    /// operation_aborted and its next co_await throws.
    void cancel();
    /// Completes once no task is running (at once when none is).
    boost::asio::awaitable<void> wait();
    std::size_t size() const;

  private:
    struct Task {
        boost::asio::cancellation_signal signal;  // bound to the task: must not move
        boost::asio::any_io_executor executor;
        std::string name;
    };
    struct State {
        mutable std::mutex mutex;
        std::map<std::uint64_t, Task> tasks;  // node-based: signals stay put
        std::uint64_t next_id = 0;
        bool cancelled = false;
        Event idle;
    };
    std::shared_ptr<State> state_;
};

}  // namespace scagent::runtime
