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
    std::uint64_t current = cache_.index_of(key);
    if (current != known_index || wait <= std::chrono::milliseconds::zero()) {
        co_return current;
    }
    // The wait runs on a private strand so that notify() from another thread only ever reaches
    // the timer through that strand (see the class comment).
    auto strand = asio::make_strand(executor);
    co_return co_await asio::co_spawn(strand, wait_on_strand(std::move(key), known_index, wait),
                                      asio::use_awaitable);
}

asio::awaitable<std::uint64_t> ChangeWaiters::wait_on_strand(CacheKey key,
                                                             std::uint64_t known_index,
                                                             std::chrono::milliseconds wait) {
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    waiter->timer.expires_after(std::min(wait, kMaxWait));
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            co_return cache_.index_of(key);
        }
        waiters_[key].push_back(waiter);
    }
    // Registered first, checked second: a change published before registration is seen here; one
    // published after it finds this waiter and posts a cancel, which the strand runs only after
    // this coroutine has suspended in async_wait below.
    std::uint64_t current = cache_.index_of(key);
    if (current == known_index) {
        co_await waiter->timer.async_wait(runtime::kNoThrow);
        current = cache_.index_of(key);
    }
    remove(key, waiter.get());
    co_return current;
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
