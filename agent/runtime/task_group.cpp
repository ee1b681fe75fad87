#include "agent/runtime/task_group.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "agent/runtime/asio_tokens.hpp"

namespace scagent::runtime {

namespace asio = boost::asio;

TaskGroup::TaskGroup() : state_(std::make_shared<State>()) {
    state_->idle.set();
}

TaskGroup::~TaskGroup() {
    // An owner that forgot to stop: cancel, so nothing keeps running against a dead owner's
    // members longer than its current operation.
    cancel();
}

bool TaskGroup::spawn(const asio::any_io_executor& executor, asio::awaitable<void> task,
                      std::string name) {
    std::uint64_t id = 0;
    asio::cancellation_slot slot;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->cancelled) {
            return false;
        }
        id = ++state_->next_id;
        auto& entry = state_->tasks[id];
        entry.executor = executor;
        entry.name = std::move(name);
        slot = entry.signal.slot();
        state_->idle.reset();
    }
    asio::co_spawn(
        executor, std::move(task),
        asio::bind_cancellation_slot(slot, [state = state_, id](std::exception_ptr error) {
            std::lock_guard lock(state->mutex);
            const auto it = state->tasks.find(id);
            log_escaped(it->second.name, error);
            state->tasks.erase(it);
            if (state->tasks.empty()) {
                state->idle.set();
            }
        }));
    return true;
}

void TaskGroup::cancel() {
    std::lock_guard lock(state_->mutex);
    state_->cancelled = true;
    for (auto& [id, task] : state_->tasks) {
        // Emitted on the task's executor; the task may have finished by then.
        asio::post(task.executor, [state = state_, id = id] {
            std::lock_guard lock(state->mutex);
            if (const auto it = state->tasks.find(id); it != state->tasks.end()) {
                it->second.signal.emit(asio::cancellation_type::terminal);
            }
        });
    }
}

asio::awaitable<void> TaskGroup::wait() {
    co_await state_->idle.async_wait(kNoThrow);
}

std::size_t TaskGroup::size() const {
    std::lock_guard lock(state_->mutex);
    return state_->tasks.size();
}

}  // namespace scagent::runtime
