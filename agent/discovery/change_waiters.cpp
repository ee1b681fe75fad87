#include "agent/discovery/change_waiters.hpp"
#include "agent/runtime/asio_tokens.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace scagent::discovery {

namespace asio = boost::asio;

struct ChangeWaiters::Waiter {
    explicit Waiter(const asio::any_io_executor& strand) : timer(strand) {}
    /// Only touched on its own strand: by the waiting coroutine and by posted wake-ups.
    asio::steady_timer timer;
};

asio::awaitable<std::uint64_t> ChangeWaiters::wait_for_change(asio::any_io_executor executor,
                                                              CacheKey key,
                                                              std::uint64_t known_index,
                                                              std::chrono::milliseconds wait) {
    // Bound to a local first: GCC 12 mishandles temporaries converted in a co_await operand.
    std::function<bool()> changed = [this, key, known_index] {
        return cache_.index_of(key) != known_index;
    };
    co_await wait_until(executor, key, std::move(changed), wait);
    co_return cache_.index_of(key);
}

asio::awaitable<void> ChangeWaiters::wait_until(asio::any_io_executor executor, CacheKey key,
                                                std::function<bool()> done,
                                                std::chrono::milliseconds wait) {
    if (done() || wait <= std::chrono::milliseconds::zero()) {
        co_return;
    }
    // The wait runs on a private strand so that notify() from another thread only ever reaches
    // the timer through that strand (see the class comment).
    auto strand = asio::make_strand(executor);
    auto waiting = wait_on_strand(std::move(key), std::move(done), wait);
    co_await asio::co_spawn(strand, std::move(waiting), asio::use_awaitable);
}

asio::awaitable<void> ChangeWaiters::wait_on_strand(CacheKey key, std::function<bool()> done,
                                                    std::chrono::milliseconds wait) {
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + std::min(wait, kMaxWait);
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            co_return;
        }
        waiters_[key].push_back(waiter);
    }
    // Registered first, checked second: a change published before registration is seen here; one
    // published after it finds this waiter and posts a cancel, which the strand runs only after
    // this coroutine has suspended in async_wait below. A wake-up whose change does not satisfy
    // `done` (another field of the key moved) waits again for what is left of the wait.
    while (!done() && std::chrono::steady_clock::now() < deadline && !closed()) {
        waiter->timer.expires_at(deadline);
        co_await waiter->timer.async_wait(runtime::kNoThrow);
    }
    remove(key, waiter.get());
}

bool ChangeWaiters::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

void ChangeWaiters::wake(const std::shared_ptr<Waiter>& waiter) {
    // The shared_ptr copy keeps the timer alive until the posted cancel has run.
    asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
}

void ChangeWaiters::notify(const CacheKey& key) {
    std::lock_guard lock(mutex_);
    auto found = waiters_.find(key);
    if (found == waiters_.end()) {
        return;
    }
    for (const auto& waiter : found->second) {
        wake(waiter);
    }
}

void ChangeWaiters::cancel_all() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (const auto& [key, list] : waiters_) {
        for (const auto& waiter : list) {
            wake(waiter);
        }
    }
}

std::size_t ChangeWaiters::size() const {
    std::lock_guard lock(mutex_);
    std::size_t total = 0;
    for (const auto& [key, list] : waiters_) {
        total += list.size();
    }
    return total;
}

void ChangeWaiters::remove(const CacheKey& key, const Waiter* waiter) {
    std::lock_guard lock(mutex_);
    auto found = waiters_.find(key);
    if (found == waiters_.end()) {
        return;
    }
    std::erase_if(found->second, [&](const auto& item) { return item.get() == waiter; });
    if (found->second.empty()) {
        waiters_.erase(found);
    }
}

}  // namespace scagent::discovery
