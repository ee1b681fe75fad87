#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/discovery/cache_stats.hpp"
#include "agent/discovery/cached_set.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::discovery {

struct InstanceCacheOptions {
    /// An entry nobody asked for during this long is dropped by expire_idle (unless pinned).
    std::chrono::milliseconds idle_ttl = std::chrono::minutes(10);
    /// Entries track() creates at most, pinned ones not counted (limits.max_watched_services);
    /// 0: no limit.
    std::size_t max_unpinned = 0;
};

/// The provider cache: one immutable CachedSet per CacheKey, swapped whole by the refresher and
/// read without locks by the local API and the proxy.
///
/// Invariants:
/// 1. Readers (get, peek, index_of, entries, refresh_list) never take a lock: they load the
///    key map snapshot, then the entry's current CachedSetPtr, both atomically.
/// 2. The key map is itself immutable once published; track/restore/expire copy it, edit the copy
///    and publish it whole, under write_mutex_.
/// 3. Every write to an entry's `current` happens under write_mutex_, so read-compare-publish of
///    one entry is never interleaved with another writer (the writer side is not hot).
/// 4. A published CachedSet is never modified; a new one carries a new index only when the content
///    changed, so waiters never wake for a mere age or source change.
/// 5. A failed refresh never empties an entry; an empty (or not-found) answer replaces a non-empty
///    set only when the next refresh confirms it (empty-push protection).
/// 6. Listeners run after the write, outside write_mutex_, on the writer's thread; they are
///    registered before the cache is shared between threads.
class InstanceCache {
  public:
    using Options = InstanceCacheOptions;

    enum class State {
        kUntracked,    ///< nobody asked for it (or it was dropped): track() it
        kPending,      ///< tracked, the first refresh has not answered yet
        kUnavailable,  ///< tracked, the first refresh failed and nothing is cached
        kReady,        ///< `set` holds an answer (maybe service_found == false)
        kOverLimit,    ///< not tracked: max_unpinned entries exist already (Discovery::lookup)
    };
    struct Lookup {
        State state = State::kUntracked;
        CachedSetPtr set;
    };

    enum class Applied { kChanged, kUnchanged, kEmptyHeld, kUntracked };

    struct RefreshItem {
        CacheKey key;
        std::string revision;  ///< "" until the first answer: ask for everything
    };

    struct DiskEntry {
        CacheKey key;
        LiveResult data;
        std::chrono::system_clock::time_point fetched_at;
    };

    /// Called with the new set after a content change, or with nullptr when an entry is dropped.
    using Listener = std::function<void(const CacheKey&, const CachedSetPtr&)>;

    /// `clock` and `stats` (optional) must outlive the cache.
    explicit InstanceCache(plugins::Clock& clock, CacheStats* stats = nullptr,
                           Options options = {});
    ~InstanceCache();
    InstanceCache(const InstanceCache&) = delete;
    InstanceCache& operator=(const InstanceCache&) = delete;

    /// The answer for the local API; records the access that keeps the entry alive.
    Lookup get(const CacheKey& key) const noexcept;
    /// As get, without counting as an access (refresher, snapshot, tests).
    Lookup peek(const CacheKey& key) const noexcept;
    /// The current index of `key`, 0 when it holds no answer.
    std::uint64_t index_of(const CacheKey& key) const noexcept;

    /// Starts caching `key`; true when it was not tracked before. A pinned key (a descriptor's
    /// dependency) is never dropped for idleness; pinning an existing key pins it. An unpinned
    /// new key is refused (false, still untracked) once `max_unpinned` entries exist.
    bool track(const CacheKey& key, bool pinned = false);

    /// A 200 answer of a refresh.
    Applied apply_live_result(const CacheKey& key, LiveResult result);
    /// A 304 answer: the content is current again (source live, age 0).
    Applied apply_not_modified(const CacheKey& key);
    /// A refresh that got no answer: keeps the data; live becomes cache, disk stays disk.
    Applied mark_failure(const CacheKey& key);
    /// Loads entries of the disk snapshot as source=disk, keeping their original fetch time.
    /// Keys that already hold an answer are left alone. Returns how many were loaded.
    std::size_t restore(std::vector<DiskEntry> entries,
                        std::chrono::system_clock::time_point wall_now);

    /// Every tracked key with the revision to send (batch find).
    std::vector<RefreshItem> refresh_list() const;
    /// Drops unpinned entries idle for options.idle_ttl; returns the dropped keys.
    std::vector<CacheKey> expire_idle();
    /// Every entry holding an answer, for the disk snapshot.
    std::vector<CachedSetPtr> entries() const;
    /// Refreshes the age gauges (call before a scrape or on a timer).
    void update_age_metrics() const;

    void add_listener(Listener listener);
    plugins::Clock& clock() const noexcept { return clock_; }

  private:
    struct Entry;
    using Map = std::map<CacheKey, std::shared_ptr<Entry>>;

    std::shared_ptr<Entry> find(const CacheKey& key) const noexcept;
    Lookup lookup(const Entry& entry) const noexcept;
    /// The successor of `previous` (under write_mutex_): a new index iff the content differs.
    CachedSetPtr build(const CacheKey& key, LiveResult result, Source source,
                       plugins::Clock::TimePoint fetched_at, const CachedSetPtr& previous);
    void notify(const CacheKey& key, const CachedSetPtr& set) const;

    plugins::Clock& clock_;
    CacheStats* stats_;
    Options options_;
    std::atomic<std::shared_ptr<const Map>> map_;
    std::mutex write_mutex_;
    std::uint64_t last_index_ = 0;  // guarded by write_mutex_
    std::vector<Listener> listeners_;
};

}  // namespace scagent::discovery
