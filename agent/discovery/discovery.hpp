#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/discovery/cache_stats.hpp"
#include "agent/discovery/change_waiters.hpp"
#include "agent/discovery/instance_cache.hpp"
#include "agent/discovery/instance_selector.hpp"
#include "agent/discovery/refresher.hpp"
#include "agent/discovery/snapshot_file.hpp"
#include "agent/discovery/snapshot_writer.hpp"
#include "agent/discovery/watcher.hpp"
#include "agent/runtime/component.hpp"
#include "agent/runtime/supervisor.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::discovery {

struct DiscoveryOptions {
    std::chrono::milliseconds refresh_interval = std::chrono::seconds(30);
    bool watch = true;
    net::TlsOptions tls;
    /// Empty: no disk snapshot.
    std::string snapshot_path;
    std::chrono::milliseconds snapshot_min_interval = std::chrono::seconds(5);
    /// Saved with the snapshot as its "extra" (the governance store's items); may be empty.
    SnapshotWriter::ExtraProvider snapshot_extra;
    /// Descriptors' `dependencies`: cached from the start and never dropped for idleness.
    std::vector<CacheKey> pinned;
    /// limits.max_watched_services: keys cached on demand at most (pinned ones not counted);
    /// a lookup beyond it answers kOverLimit. 0: no limit.
    std::size_t max_watched_services = 0;
    /// A request for a key nobody asked for before waits this long for the registry's answer.
    std::chrono::milliseconds first_answer_wait = std::chrono::seconds(3);
    /// The snapshot is served when the registry has not answered the start-up refresh by then.
    std::chrono::milliseconds restore_after = std::chrono::seconds(2);
    /// How often the selector forgets services and instances gone from the cache.
    std::chrono::milliseconds prune_interval = std::chrono::seconds(10);
    /// Restarts the refresher and watch loops when they throw; null: a private one.
    runtime::Supervisor* supervisor = nullptr;
    /// Where snapshot writes (two fsyncs) and handing freed memory back to the kernel run, off
    /// the I/O threads (runtime::Background). Null: both happen on the refresher's strand
    /// during housekeeping (unit tests), and memory is not trimmed.
    boost::asio::any_io_executor background;
    /// How often the background upkeep looks for a due snapshot write and trims memory after
    /// the cache changed.
    std::chrono::milliseconds upkeep_interval = std::chrono::seconds(1);
};

/// The provider cache and everything that feeds or reads it, wired together: InstanceCache,
/// Refresher, Watcher, disk snapshot (restore at start when the registry is unreachable, writes
/// after changes), ChangeWaiters for blocking queries, and the InstanceSelector the `select` and
/// `outcome` routes use (by default the governed one without governance: RoundRobin and the
/// default instance isolation).
///
/// The "discovery" component: start() once, stop() once; destroy after stop() has completed.
/// Readers (lookup, cache, waiters, ...) are thread-safe.
class Discovery final : public runtime::Component {
  public:
    using ConsumerId = std::function<std::string()>;

    /// `executor` is the daemon's io_context; refresher and watcher each get a strand of it.
    /// Throws std::runtime_error when a TLS file cannot be loaded.
    Discovery(boost::asio::any_io_executor executor, clients::RegistryClient& client,
              prometheus::Registry& metrics, ConsumerId consumer_id, DiscoveryOptions options);
    ~Discovery();
    Discovery(const Discovery&) = delete;
    Discovery& operator=(const Discovery&) = delete;

    std::string_view name() const noexcept override { return "discovery"; }
    void start() override;
    /// Stops refresher and watch, wakes every blocking query, writes the snapshot if it
    /// changed; returns once the loops have ended.
    boost::asio::awaitable<void> stop() override;
    /// The consumer id (the first registered local service's id) changed: record the dependency
    /// under it now and (re)open the watch.
    void consumer_changed();
    /// Answers every blocking query now (drain: before the listeners close).
    void release_waiters() { waiters_.cancel_all(); }

    /// The answer for a request: tracks an unknown key and waits (first_answer_wait at most)
    /// for its first refresh. Runs on `executor` (the request's).
    boost::asio::awaitable<InstanceCache::Lookup> lookup(boost::asio::any_io_executor executor,
                                                         CacheKey key);
    /// lookup() without waiting, for the request path: the answer when `key` is cached
    /// (kReady), else nullopt and the caller goes through lookup().
    std::optional<InstanceCache::Lookup> lookup_cached(const CacheKey& key) const noexcept;

    InstanceCache& cache() noexcept { return cache_; }
    ChangeWaiters& waiters() noexcept { return waiters_; }
    InstanceSelector& selector() noexcept { return *selector_; }
    /// The daemon installs the governed selector of its governance store here (before start()).
    void set_selector(std::unique_ptr<InstanceSelector> selector);

    /// An outcome the app reported (`POST .../outcome`): handed to the selector when a cached
    /// set of `service` holds `instance_id`; otherwise nothing is recorded (no state for made-up
    /// ids) and the answer is false. Thread-safe.
    bool record_outcome(std::string_view service, std::string_view instance_id, bool success,
                        std::chrono::milliseconds latency);
    /// Something outside the cache that the snapshot saves (snapshot_extra) changed.
    /// Thread-safe.
    void note_snapshot_change();
    Refresher& refresher() noexcept { return *refresher_; }
    Watcher* watcher() noexcept { return watcher_.get(); }

  private:
    void load_snapshot();
    void on_refresh_result(bool answered);
    void housekeeping();
    void restore_pending(const char* why);
    void prune_selector();
    /// Background upkeep: due snapshot writes and memory trims, on options_.background.
    boost::asio::awaitable<void> upkeep();

    DiscoveryOptions options_;
    plugins::Clock& clock_;
    CacheStats stats_;
    InstanceCache cache_;
    ChangeWaiters waiters_;
    std::unique_ptr<InstanceSelector> selector_;
    std::unique_ptr<SnapshotWriter> writer_;
    std::unique_ptr<Refresher> refresher_;
    std::unique_ptr<Watcher> watcher_;
    runtime::TaskGroup upkeep_tasks_;
    /// The cache's content changed since the last trim (set by the cache listener).
    std::atomic<bool> memory_dirty_{false};

    // Refresher strand only.
    std::optional<DecodedSnapshot> pending_restore_;
    plugins::Clock::TimePoint started_at_{};
    plugins::Clock::TimePoint pruned_at_{};
};

}  // namespace scagent::discovery
