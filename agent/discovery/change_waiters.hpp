#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/discovery/cached_set.hpp"
#include "agent/discovery/instance_cache.hpp"

namespace scagent::discovery {

/// Consul-style blocking queries: a handler awaits "the index of this key differs from N, or the
/// wait is over". An idle waiter is one steady_timer in Asio's timer queue and a registry slot, so
/// thousands of them cost memory but no CPU.
///
/// Thread-safety: notify() and cancel_all() may be called from any thread (the cache's writer).
/// Each waiter's timer lives on its own strand; notify only posts `cancel` to that strand, so the
/// timer is never touched by two threads at once even when the io_context runs several threads.
/// A lost wake-up is impossible: a waiter registers first and checks the index second, while the
/// cache publishes first and notifies second.
class ChangeWaiters {
  public:
    static constexpr std::chrono::milliseconds kMaxWait = std::chrono::minutes(10);

    /// `cache` must outlive this object. Wire notify() as a cache listener.
    explicit ChangeWaiters(const InstanceCache& cache) : cache_(cache) {}
    ChangeWaiters(const ChangeWaiters&) = delete;
    ChangeWaiters& operator=(const ChangeWaiters&) = delete;

    /// Completes when index_of(key) != known_index, when `wait` (clipped to kMaxWait) is over, or
    /// at cancel_all(); returns the index at that moment. Runs on `executor`'s execution context.
    boost::asio::awaitable<std::uint64_t> wait_for_change(boost::asio::any_io_executor executor,
                                                          CacheKey key, std::uint64_t known_index,
                                                          std::chrono::milliseconds wait);

    /// The general form: completes when `done()` holds (checked after the waiter registered,
    /// and again at every notify of `key`), when `wait` is over, or at cancel_all().
    boost::asio::awaitable<void> wait_until(boost::asio::any_io_executor executor, CacheKey key,
                                            std::function<bool()> done,
                                            std::chrono::milliseconds wait);

    /// Wakes every waiter of `key` (they re-check the index themselves).
    void notify(const CacheKey& key);
    /// Wakes every waiter, e.g. at shutdown so that pending answers go out before the drain ends.
    void cancel_all();
    /// Waiters currently registered (tests, metrics).
    std::size_t size() const;

  private:
    struct Waiter;

    boost::asio::awaitable<void> wait_on_strand(CacheKey key, std::function<bool()> done,
                                                std::chrono::milliseconds wait);
    void remove(const CacheKey& key, const Waiter* waiter);
    bool closed() const;
    static void wake(const std::shared_ptr<Waiter>& waiter);

    const InstanceCache& cache_;
    mutable std::mutex mutex_;
    bool closed_ = false;                                               // guarded by mutex_
    std::map<CacheKey, std::vector<std::shared_ptr<Waiter>>> waiters_;  // guarded by mutex_
};

}  // namespace scagent::discovery
