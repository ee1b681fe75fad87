#include "agent/discovery/discovery.hpp"

#include "agent/discovery/governed_instance_selector.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/background.hpp"
#include "agent/runtime/free_memory.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

namespace scagent::discovery {

namespace asio = boost::asio;

Discovery::Discovery(asio::any_io_executor executor, clients::RegistryClient& client,
                     prometheus::Registry& metrics, ConsumerId consumer_id,
                     DiscoveryOptions options)
    : options_(std::move(options)),
      clock_(plugins::system_clock()),
      stats_(metrics),
      cache_(clock_, &stats_, InstanceCacheOptions{.max_unpinned = options_.max_watched_services}),
      waiters_(cache_),
      selector_(std::make_unique<GovernedInstanceSelector>(
          std::make_shared<plugins::governance::GovernedSelector>(
              [] { return std::shared_ptr<const plugins::governance::GovernanceSnapshot>(); },
              clock_))) {
    if (!options_.snapshot_path.empty()) {
        SnapshotWriter::Options writer_options;
        writer_options.path = options_.snapshot_path;
        writer_options.min_interval = options_.snapshot_min_interval;
        writer_ = std::make_unique<SnapshotWriter>(cache_, clock_, writer_options,
                                                   options_.snapshot_extra);
    }
    cache_.add_listener([this](const CacheKey& key, const CachedSetPtr&) {
        waiters_.notify(key);
        memory_dirty_ = true;
        if (writer_) {
            writer_->note_change();
        }
    });
    RefresherOptions refresher_options;
    refresher_options.interval = options_.refresh_interval;
    refresher_options.supervisor = options_.supervisor;
    refresher_ = std::make_unique<Refresher>(asio::make_strand(executor), client, cache_,
                                             consumer_id, refresher_options);
    // A first request waits on the key's index; a failed refresh does not change it, so wake
    // the waiters explicitly and let them see "unavailable".
    refresher_->set_on_key_failed([this](const CacheKey& key) { waiters_.notify(key); });
    refresher_->set_on_result([this](bool answered) { on_refresh_result(answered); });
    refresher_->set_on_housekeeping([this] { housekeeping(); });
    if (options_.watch) {
        WatcherOptions watcher_options;
        watcher_options.tls = options_.tls;
        watcher_options.supervisor = options_.supervisor;
        auto* refresher = refresher_.get();
        watcher_ = std::make_unique<Watcher>(
            asio::make_strand(executor), client, std::move(consumer_id),
            [refresher](const plugins::servicecomb::WatchEvent& event) {
                if (event.action == "EXPIRE" || event.key.service_name.empty()) {
                    refresher->refresh_all_soon();  // "re-pull everything" (spec §1.4.11)
                } else {
                    refresher->refresh_service_soon(event.key.app_id, event.key.service_name);
                }
            },
            [refresher] { refresher->refresh_all_soon(); }, watcher_options);
    }
}

Discovery::~Discovery() = default;

void Discovery::set_selector(std::unique_ptr<InstanceSelector> selector) {
    selector_ = std::move(selector);
}

bool Discovery::record_outcome(std::string_view service, std::string_view instance_id, bool success,
                               std::chrono::milliseconds latency) {
    bool known = false;
    for (const auto& cached : cache_.entries()) {
        if (cached->key.service != service) {
            continue;
        }
        // Instances are sorted by id (CachedSet).
        const auto& instances = cached->set->instances;
        auto it = std::lower_bound(
            instances.begin(), instances.end(), instance_id,
            [](const plugins::Instance& a, std::string_view id) { return a.instance_id < id; });
        if (it != instances.end() && it->instance_id == instance_id) {
            known = true;
            break;
        }
    }
    if (known) {
        selector_->record_outcome(service, instance_id, success, latency);
    }
    return known;
}

void Discovery::prune_selector() {
    std::set<std::string, std::less<>> services;
    std::set<std::string, std::less<>> instance_ids;
    for (const auto& cached : cache_.entries()) {
        services.insert(cached->key.service);
        for (const auto& instance : cached->set->instances) {
            instance_ids.insert(instance.instance_id);
        }
    }
    selector_->retain(services, instance_ids);
}

void Discovery::start() {
    started_at_ = clock_.now();
    for (const auto& key : options_.pinned) {
        cache_.track(key, /*pinned=*/true);
    }
    load_snapshot();
    refresher_->start();
    if (watcher_) {
        watcher_->start();
    }
    if (options_.background) {
        upkeep_tasks_.spawn(options_.background, upkeep(), "discovery.upkeep");
    }
}

asio::awaitable<void> Discovery::upkeep() {
    asio::steady_timer timer(options_.background);
    for (;;) {
        timer.expires_after(options_.upkeep_interval);
        if (auto [cancelled] = co_await timer.async_wait(runtime::kNoThrow); cancelled) {
            co_return;  // stop()
        }
        // A failed write is retried on a later tick (the writer logs it); nothing here may end
        // the loop, or the snapshot would never be written again.
        try {
            if (writer_) {
                writer_->write_if_due();
            }
        } catch (const std::exception& e) {
            spdlog::warn("cache snapshot not written: {}", e.what());
        }
        // Once per tick at most, and only after a change: a refresh that replaced a big set
        // freed the previous one and the parse's garbage, which glibc would otherwise keep.
        if (memory_dirty_.exchange(false)) {
            runtime::release_free_memory();
        }
    }
}

asio::awaitable<void> Discovery::stop() {
    refresher_->stop();
    if (watcher_) {
        watcher_->stop();
    }
    waiters_.cancel_all();
    upkeep_tasks_.cancel();
    co_await refresher_->wait();
    if (watcher_) {
        co_await watcher_->wait();
    }
    co_await upkeep_tasks_.wait();
    if (writer_) {
        auto flush = [writer = writer_.get()] { writer->flush(); };
        co_await runtime::run_in(options_.background, std::move(flush));
    }
}

void Discovery::consumer_changed() {
    refresher_->refresh_all_soon();
    if (watcher_) {
        watcher_->consumer_changed();
    }
}

void Discovery::note_snapshot_change() {
    if (writer_) {
        writer_->note_change();
    }
}

void Discovery::load_snapshot() {
    if (options_.snapshot_path.empty()) {
        return;
    }
    std::error_code ec;
    if (!std::filesystem::exists(options_.snapshot_path, ec)) {
        spdlog::info("no provider cache snapshot at {} yet", options_.snapshot_path);
        return;
    }
    auto decoded = read_snapshot_file(options_.snapshot_path);
    if (!decoded.error.empty()) {
        // Never fatal: the registry is the source of truth; the snapshot only bridges outages.
        spdlog::warn("ignoring the provider cache snapshot: {}", decoded.error);
        return;
    }
    // Held until the registry has answered or failed once (on_refresh_result): with a reachable
    // registry, stale disk data is never served.
    pending_restore_ = std::move(decoded);
}

void Discovery::restore_pending(const char* why) {
    if (!pending_restore_) {
        return;
    }
    auto count =
        cache_.restore(std::move(pending_restore_->entries), std::chrono::system_clock::now());
    pending_restore_.reset();
    spdlog::warn("{}: serving {} provider(s) from the disk snapshot {}", why, count,
                 options_.snapshot_path);
}

void Discovery::on_refresh_result(bool answered) {
    if (answered) {
        pending_restore_.reset();
    } else {
        restore_pending("the registry is unreachable");
    }
}

void Discovery::housekeeping() {
    if (pending_restore_ && !options_.pinned.empty() &&
        clock_.now() - started_at_ >= options_.restore_after) {
        restore_pending("the registry has not answered yet");
    }
    cache_.update_age_metrics();
    if (clock_.now() - pruned_at_ >= options_.prune_interval) {
        pruned_at_ = clock_.now();
        prune_selector();
    }
    if (writer_ && !options_.background) {
        writer_->write_if_due();
    }
}

asio::awaitable<InstanceCache::Lookup> Discovery::lookup(asio::any_io_executor executor,
                                                         CacheKey key) {
    auto found = cache_.get(key);
    if (found.state == InstanceCache::State::kUntracked) {
        if (cache_.track(key)) {
            refresher_->refresh_soon(key);
        }
        found = cache_.get(key);
        if (found.state == InstanceCache::State::kUntracked) {
            found.state = InstanceCache::State::kOverLimit;  // refused: too many keys already
            co_return found;
        }
    } else if (found.state == InstanceCache::State::kUnavailable) {
        // Nothing cached and the last try failed: try again in the background (coalesced by
        // the refresher), answer now.
        refresher_->refresh_soon(key);
    }
    // The first answer, or the failure of the first refresh (on_key_failed notifies too).
    if (found.state == InstanceCache::State::kPending) {
        std::function<bool()> answered = [this, key] {
            return cache_.get(key).state != InstanceCache::State::kPending;
        };
        co_await waiters_.wait_until(executor, key, std::move(answered),
                                     options_.first_answer_wait);
        found = cache_.get(key);
    }
    co_return found;
}

std::optional<InstanceCache::Lookup> Discovery::lookup_cached(const CacheKey& key) const noexcept {
    auto found = cache_.get(key);
    if (found.state != InstanceCache::State::kReady) {
        return std::nullopt;
    }
    return found;
}

}  // namespace scagent::discovery
