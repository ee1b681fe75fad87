#include "agent/runtime/event.hpp"

#include <algorithm>

namespace scagent::runtime {

namespace asio = boost::asio;

void Event::finish(const std::shared_ptr<Waiter>& waiter, boost::system::error_code ec) {
    if (!waiter->done.exchange(true)) {
        auto complete = std::move(waiter->complete);
        complete(ec);
    }
}

bool Event::add_or_finish(const std::shared_ptr<State>& state,
                          const std::shared_ptr<Waiter>& waiter) {
    {
        std::lock_guard lock(state->mutex);
        if (!state->set) {
            state->waiters.push_back(waiter);
            return true;
        }
    }
    finish(waiter, {});
    return false;
}

void Event::cancel_waiter(const std::shared_ptr<State>& state, const std::weak_ptr<Waiter>& weak) {
    auto waiter = weak.lock();
    if (!waiter) {
        return;
    }
    {
        std::lock_guard lock(state->mutex);
        std::erase(state->waiters, waiter);
    }
    finish(waiter, asio::error::operation_aborted);
}

void Event::set() {
    std::vector<std::shared_ptr<Waiter>> woken;
    {
        std::lock_guard lock(state_->mutex);
        state_->set = true;
        woken.swap(state_->waiters);
    }
    for (const auto& waiter : woken) {
        finish(waiter, {});
    }
}

void Event::reset() {
    std::lock_guard lock(state_->mutex);
    state_->set = false;
}

bool Event::is_set() const {
    std::lock_guard lock(state_->mutex);
    return state_->set;
}

asio::awaitable<void> Event::wait() {
    co_await async_wait(asio::use_awaitable);
}

}  // namespace scagent::runtime
