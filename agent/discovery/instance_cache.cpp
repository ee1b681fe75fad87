#include "agent/discovery/instance_cache.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

#include "agent/discovery/instance_json.hpp"
#include "plugins/discovery/endpoint.hpp"

namespace scagent::discovery {
namespace {

using plugins::Clock;

// get() refreshes an entry's last access at most this often, so readers on many threads do not
// all write the same cache line on every request.
constexpr auto kTouchGranularity = std::chrono::seconds(1);

bool has_instances(const CachedSetPtr& set) {
    return set && set->service_found && !set->set->instances.empty();
}

/// Sorts by instance id (the registry's order is not stable), pads data centers to one per
/// instance and fills host/port from the first rest:// endpoint when the caller did not.
void normalise(LiveResult& result) {
    result.data_centers.resize(result.instances.size());
    std::vector<std::size_t> order(result.instances.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return result.instances[a].instance_id < result.instances[b].instance_id;
    });
    std::vector<plugins::Instance> instances;
    std::vector<DataCenterInfo> centers;
    instances.reserve(order.size());
    centers.reserve(order.size());
    for (std::size_t i : order) {
        instances.push_back(std::move(result.instances[i]));
        centers.push_back(std::move(result.data_centers[i]));
        plugins::Instance& instance = instances.back();
        if (instance.host.empty()) {
            if (auto where = plugins::discovery::first_rest_endpoint(instance.endpoints)) {
                instance.host = std::move(where->host);
                instance.port = where->port;
            }
        }
    }
    result.instances = std::move(instances);
    result.data_centers = std::move(centers);
}

/// Pre-renders every instance (see CachedSet::rendered). Registry text that is not valid UTF-8
/// is replaced, never thrown about: bad registry input must not fail an answer.
std::shared_ptr<const RenderedInstances> render(const std::vector<plugins::Instance>& list,
                                                const std::vector<DataCenterInfo>& centers) {
    auto out = std::make_shared<RenderedInstances>();
    out->reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        out->append(instance_to_json(list[i], centers[i])
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    out->shrink_to_fit();
    return out;
}

CachedSetPtr with_source(const CachedSet& previous, Source source, Clock::TimePoint fetched_at) {
    auto next = std::make_shared<CachedSet>(previous);
    next->source = source;
    next->fetched_at = fetched_at;
    return next;
}

}  // namespace

struct InstanceCache::Entry {
    /// Null until the first answer; afterwards never null again (invariant 5).
    std::atomic<CachedSetPtr> current;
    /// Ticks of the injected clock; written by readers, hence atomic and relaxed.
    std::atomic<Clock::Duration::rep> last_access{0};
    /// The first refresh failed and there is nothing to serve.
    std::atomic<bool> unavailable{false};
    bool pinned = false;         // guarded by write_mutex_
    bool empty_pending = false;  // guarded by write_mutex_
};

InstanceCache::InstanceCache(Clock& clock, CacheStats* stats, Options options)
    : clock_(clock), stats_(stats), options_(options), map_(std::make_shared<const Map>()) {}

InstanceCache::~InstanceCache() = default;

std::shared_ptr<InstanceCache::Entry> InstanceCache::find(const CacheKey& key) const noexcept {
    std::shared_ptr<const Map> map = map_.load(std::memory_order_acquire);
    auto found = map->find(key);
    return found == map->end() ? nullptr : found->second;
}

InstanceCache::Lookup InstanceCache::lookup(const Entry& entry) const noexcept {
    Lookup out;
    out.set = entry.current.load(std::memory_order_acquire);
    if (out.set) {
        out.state = State::kReady;
    } else if (entry.unavailable.load(std::memory_order_relaxed)) {
        out.state = State::kUnavailable;
    } else {
        out.state = State::kPending;
    }
    return out;
}

InstanceCache::Lookup InstanceCache::get(const CacheKey& key) const noexcept {
    auto entry = find(key);
    if (!entry) {
        return {};
    }
    auto now = clock_.now().time_since_epoch().count();
    auto last = entry->last_access.load(std::memory_order_relaxed);
    if (now - last >= Clock::Duration(kTouchGranularity).count()) {
        entry->last_access.store(now, std::memory_order_relaxed);
    }
    return lookup(*entry);
}

InstanceCache::Lookup InstanceCache::peek(const CacheKey& key) const noexcept {
    auto entry = find(key);
    return entry ? lookup(*entry) : Lookup{};
}

std::uint64_t InstanceCache::index_of(const CacheKey& key) const noexcept {
    auto entry = find(key);
    if (!entry) {
        return 0;
    }
    auto set = entry->current.load(std::memory_order_acquire);
    return set ? set->index : 0;
}

bool InstanceCache::track(const CacheKey& key, bool pinned) {
    std::lock_guard lock(write_mutex_);
    auto map = map_.load();
    if (auto found = map->find(key); found != map->end()) {
        found->second->pinned = found->second->pinned || pinned;
        return false;
    }
    if (!pinned && options_.max_unpinned > 0) {
        const auto unpinned = std::count_if(map->begin(), map->end(),
                                            [](const auto& item) { return !item.second->pinned; });
        if (static_cast<std::size_t>(unpinned) >= options_.max_unpinned) {
            return false;
        }
    }
    auto entry = std::make_shared<Entry>();
    entry->pinned = pinned;
    entry->last_access.store(clock_.now().time_since_epoch().count());
    auto next = std::make_shared<Map>(*map);
    next->emplace(key, std::move(entry));
    map_.store(std::move(next), std::memory_order_release);
    return true;
}

CachedSetPtr InstanceCache::build(const CacheKey& key, LiveResult result, Source source,
                                  Clock::TimePoint fetched_at, const CachedSetPtr& previous) {
    normalise(result);
    auto next = std::make_shared<CachedSet>();
    next->key = key;
    next->revision = std::move(result.revision);
    next->source = source;
    next->service_found = result.service_found;
    next->fetched_at = fetched_at;
    bool same = previous && previous->service_found == result.service_found &&
                previous->set->instances == result.instances &&
                previous->data_centers == result.data_centers;
    if (same) {
        // Share the unchanged instances: load balancers keyed on the set pointer stay valid.
        next->set = previous->set;
        next->data_centers = previous->data_centers;
        next->rendered = previous->rendered;
        next->index = previous->index;
        return next;
    }
    auto set = std::make_shared<plugins::InstanceSet>();
    set->instances = std::move(result.instances);
    next->index = ++last_index_;
    set->revision = next->index;
    next->set = std::move(set);
    next->data_centers = std::move(result.data_centers);
    next->rendered = render(next->set->instances, next->data_centers);
    return next;
}

InstanceCache::Applied InstanceCache::apply_live_result(const CacheKey& key, LiveResult result) {
    std::unique_lock lock(write_mutex_);
    auto entry = find(key);
    if (!entry) {
        return Applied::kUntracked;
    }
    auto previous = entry->current.load();
    bool empty = !result.service_found || result.instances.empty();
    if (empty && has_instances(previous) && !entry->empty_pending) {
        // Keep serving and keep the old revision, so the next refresh gets a full answer again
        // and either confirms the empty set or brings the instances back.
        entry->empty_pending = true;
        if (stats_ != nullptr) {
            stats_->record_refresh("empty_held");
        }
        return Applied::kEmptyHeld;
    }
    entry->empty_pending = false;
    entry->unavailable.store(false);
    auto now = clock_.now();
    auto next = build(key, std::move(result), Source::kLive, now, previous);
    entry->current.store(next, std::memory_order_release);
    bool changed = !previous || previous->index != next->index;
    if (stats_ != nullptr) {
        stats_->record_refresh(changed ? "changed" : "unchanged");
        stats_->set_entry(key, next->set->instances.size(), 0);
    }
    lock.unlock();
    if (changed) {
        notify(key, next);
    }
    return changed ? Applied::kChanged : Applied::kUnchanged;
}

InstanceCache::Applied InstanceCache::apply_not_modified(const CacheKey& key) {
    std::lock_guard lock(write_mutex_);
    auto entry = find(key);
    if (!entry) {
        return Applied::kUntracked;
    }
    if (stats_ != nullptr) {
        stats_->record_refresh("not_modified");
    }
    auto previous = entry->current.load();
    if (!previous) {
        return Applied::kUnchanged;
    }
    // The registry still has the revision we hold, so any pending empty answer was a blip.
    entry->empty_pending = false;
    entry->current.store(with_source(*previous, Source::kLive, clock_.now()));
    if (stats_ != nullptr) {
        stats_->set_age(key, 0);
    }
    return Applied::kUnchanged;
}

InstanceCache::Applied InstanceCache::mark_failure(const CacheKey& key) {
    std::lock_guard lock(write_mutex_);
    auto entry = find(key);
    if (!entry) {
        return Applied::kUntracked;
    }
    if (stats_ != nullptr) {
        stats_->record_refresh("failed");
    }
    auto previous = entry->current.load();
    if (!previous) {
        entry->unavailable.store(true);
    } else if (previous->source == Source::kLive) {
        entry->current.store(with_source(*previous, Source::kCache, previous->fetched_at));
    }
    return Applied::kUnchanged;
}

std::size_t InstanceCache::restore(std::vector<DiskEntry> entries,
                                   std::chrono::system_clock::time_point wall_now) {
    std::vector<CachedSetPtr> loaded;
    {
        std::lock_guard lock(write_mutex_);
        auto next_map = std::make_shared<Map>(*map_.load());
        auto now = clock_.now();
        for (DiskEntry& disk : entries) {
            auto& slot = (*next_map)[disk.key];
            if (!slot) {
                slot = std::make_shared<Entry>();
                slot->last_access.store(now.time_since_epoch().count());
            } else if (slot->current.load()) {
                continue;
            }
            auto age = std::max(wall_now - disk.fetched_at, std::chrono::system_clock::duration{});
            auto fetched_at = now - std::chrono::duration_cast<Clock::Duration>(age);
            auto set = build(disk.key, std::move(disk.data), Source::kDisk, fetched_at, nullptr);
            slot->current.store(set);
            if (stats_ != nullptr) {
                stats_->set_entry(disk.key, set->set->instances.size(), set->age_seconds(now));
            }
            loaded.push_back(std::move(set));
        }
        map_.store(std::move(next_map), std::memory_order_release);
    }
    for (const auto& set : loaded) {
        notify(set->key, set);
    }
    return loaded.size();
}

std::vector<InstanceCache::RefreshItem> InstanceCache::refresh_list() const {
    std::vector<RefreshItem> items;
    auto map = map_.load(std::memory_order_acquire);
    items.reserve(map->size());
    for (const auto& [key, entry] : *map) {
        auto set = entry->current.load(std::memory_order_acquire);
        items.push_back({key, set ? set->revision : std::string()});
    }
    return items;
}

std::vector<CacheKey> InstanceCache::expire_idle() {
    std::vector<CacheKey> dropped;
    {
        std::lock_guard lock(write_mutex_);
        auto map = map_.load();
        auto now = clock_.now().time_since_epoch().count();
        auto ttl = std::chrono::duration_cast<Clock::Duration>(options_.idle_ttl).count();
        for (const auto& [key, entry] : *map) {
            if (!entry->pinned && now - entry->last_access.load(std::memory_order_relaxed) >= ttl) {
                dropped.push_back(key);
            }
        }
        if (dropped.empty()) {
            return dropped;
        }
        auto next = std::make_shared<Map>(*map);
        for (const CacheKey& key : dropped) {
            next->erase(key);
            if (stats_ != nullptr) {
                stats_->remove_entry(key);
            }
        }
        map_.store(std::move(next), std::memory_order_release);
    }
    for (const CacheKey& key : dropped) {
        notify(key, nullptr);
    }
    return dropped;
}

std::vector<CachedSetPtr> InstanceCache::entries() const {
    std::vector<CachedSetPtr> out;
    auto map = map_.load(std::memory_order_acquire);
    for (const auto& [key, entry] : *map) {
        if (auto set = entry->current.load(std::memory_order_acquire)) {
            out.push_back(std::move(set));
        }
    }
    return out;
}

void InstanceCache::update_age_metrics() const {
    if (stats_ == nullptr) {
        return;
    }
    auto now = clock_.now();
    for (const auto& set : entries()) {
        stats_->set_age(set->key, set->age_seconds(now));
    }
}

void InstanceCache::add_listener(Listener listener) {
    listeners_.push_back(std::move(listener));
}

void InstanceCache::notify(const CacheKey& key, const CachedSetPtr& set) const {
    for (const auto& listener : listeners_) {
        listener(key, set);
    }
}

}  // namespace scagent::discovery
