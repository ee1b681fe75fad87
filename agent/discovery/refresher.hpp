#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "agent/clients/registry_client.hpp"
#include "agent/discovery/instance_cache.hpp"
#include "agent/runtime/supervisor.hpp"

namespace scagent::discovery {

struct RefresherOptions {
    /// registry.refresh_interval: one batch find for every tracked key.
    std::chrono::milliseconds interval = std::chrono::seconds(30);
    /// How often the loop runs `on_housekeeping` (age gauges, due snapshot writes, pruning):
    /// upkeep on a period, not coordination; anything that needs a refresh wakes the loop at
    /// once through refresh_*_soon.
    std::chrono::milliseconds housekeeping = std::chrono::seconds(1);
    /// How often idle entries are dropped (InstanceCache::expire_idle).
    std::chrono::milliseconds expire_period = std::chrono::seconds(60);
    /// Restarts the loop when it throws; null: a private one (unit tests).
    runtime::Supervisor* supervisor = nullptr;
};

/// Keeps the InstanceCache in step with the registry (spec §1.4.8, §2.3):
///  - every `interval`, one batch find for all tracked keys with their revisions (notModified =
///    no work), carrying X-ConsumerId so the registry records the dependency and pushes watch
///    events;
///  - refresh_soon (a first request, a watch event) refreshes just those keys at once;
///  - a changed consumer id (the local service got registered, or re-registered under a new
///    id) is signalled with refresh_all_soon: a full refresh, so the dependency exists before
///    the first watch event;
///  - a failed call marks every key of it failed: data kept, source becomes cache.
///
/// Threading: everything runs on `strand`; the public methods may be called from any thread.
/// The loop is a supervised task of the refresher's own group: stop(), then await wait().
class Refresher {
  public:
    using ConsumerId = std::function<std::string()>;
    using KeyListener = std::function<void(const CacheKey&)>;

    Refresher(boost::asio::any_io_executor strand, clients::RegistryClient& client,
              InstanceCache& cache, ConsumerId consumer_id, RefresherOptions options = {});

    /// Called on the strand after each refresh with whether the registry answered; set before
    /// start().
    void set_on_result(std::function<void(bool answered)> on_result);
    /// Called on the strand for each key whose refresh got no answer (waiters re-check).
    void set_on_key_failed(KeyListener listener);
    /// Called on the strand every `housekeeping` period.
    void set_on_housekeeping(std::function<void()> on_housekeeping);

    void start();
    /// Asks the loop to end; a batch find in flight is cancelled.
    void stop();
    /// Completes once the loop has ended.
    boost::asio::awaitable<void> wait() { return loops_.wait(); }

    void refresh_soon(const CacheKey& key);
    /// Every tracked key of this app and service, whatever its env (watch events name the
    /// provider's environment, the cache key the consumer's).
    void refresh_service_soon(const std::string& app, const std::string& service);
    void refresh_all_soon();

    /// Batch-find calls sent so far (tests).
    std::uint64_t calls() const noexcept { return calls_.load(); }

  private:
    boost::asio::awaitable<void> run(runtime::Supervisor::Checkpoint checkpoint);
    /// One batch find for `keys`; false when the registry gave no usable answer.
    boost::asio::awaitable<bool> refresh(std::vector<CacheKey> keys, std::string consumer);
    void apply(const std::vector<CacheKey>& keys,
               const plugins::servicecomb::BatchFindGroup& group);
    void fail(const std::vector<CacheKey>& keys);
    void wake();

    boost::asio::any_io_executor strand_;
    clients::RegistryClient& client_;
    InstanceCache& cache_;
    ConsumerId consumer_id_;
    RefresherOptions options_;
    std::function<void(bool)> on_result_;
    KeyListener on_key_failed_;
    std::function<void()> on_housekeeping_;
    std::atomic<std::uint64_t> calls_{0};
    runtime::SupervisedGroup loops_;

    // Strand-only.
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
    bool full_pending_ = true;  // the first pass refreshes everything (descriptor dependencies)
    std::set<CacheKey> pending_;
    std::set<std::pair<std::string, std::string>> pending_services_;
    bool last_ok_ = true;
};

}  // namespace scagent::discovery
