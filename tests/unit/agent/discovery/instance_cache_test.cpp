#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "agent/discovery/instance_cache.hpp"
#include "discovery_test_support.hpp"
#include "plugins/api/fake_clock.hpp"

namespace scagent::discovery {
namespace {

using namespace test_support;  // NOLINT: the test helpers
using ::testing::HasSubstr;
using ::testing::Not;
using State = InstanceCache::State;
using Applied = InstanceCache::Applied;

std::vector<std::string> ids_of(const CachedSetPtr& set) {
    std::vector<std::string> out;
    for (const auto& instance : set->set->instances) {
        out.push_back(instance.instance_id);
    }
    return out;
}

class InstanceCacheTest : public ::testing::Test {
  protected:
    plugins::FakeClock clock_;
    prometheus::Registry registry_;
    CacheStats stats_{registry_};
    InstanceCache cache_{clock_, &stats_};

    std::string metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }
};

TEST_F(InstanceCacheTest, UntrackedThenPendingThenReady) {
    EXPECT_EQ(cache_.get(kCart).state, State::kUntracked);
    EXPECT_EQ(cache_.apply_live_result(kCart, live({"a"})), Applied::kUntracked);
    EXPECT_TRUE(cache_.track(kCart));
    EXPECT_FALSE(cache_.track(kCart));
    EXPECT_EQ(cache_.get(kCart).state, State::kPending);
    EXPECT_EQ(cache_.index_of(kCart), 0u);
    EXPECT_EQ(cache_.apply_live_result(kCart, live({"b", "a"}, "r1")), Applied::kChanged);
    auto lookup = cache_.get(kCart);
    ASSERT_EQ(lookup.state, State::kReady);
    EXPECT_EQ(ids_of(lookup.set), (std::vector<std::string>{"a", "b"}));  // sorted by id
    EXPECT_EQ(lookup.set->source, Source::kLive);
    EXPECT_EQ(lookup.set->revision, "r1");
    EXPECT_EQ(lookup.set->set->instances[0].host, "10.0.0.1");  // from the rest:// endpoint
    EXPECT_EQ(lookup.set->set->instances[0].port, 8080);
    EXPECT_EQ(lookup.set->data_centers.size(), 2u);
    EXPECT_GT(lookup.set->index, 0u);
    EXPECT_EQ(lookup.set->set->revision, lookup.set->index);
}

TEST_F(InstanceCacheTest, IndexChangesOnlyWithContent) {
    cache_.track(kCart);
    cache_.apply_live_result(kCart, live({"a", "b"}, "r1"));
    auto first = cache_.index_of(kCart);
    // Same instances in another order under a new revision: not a change.
    EXPECT_EQ(cache_.apply_live_result(kCart, live({"b", "a"}, "r2")), Applied::kUnchanged);
    EXPECT_EQ(cache_.index_of(kCart), first);
    EXPECT_EQ(cache_.get(kCart).set->revision, "r2");
    auto changed = live({"a", "b"}, "r3");
    changed.instances[1].status = "DOWN";
    EXPECT_EQ(cache_.apply_live_result(kCart, changed), Applied::kChanged);
    EXPECT_GT(cache_.index_of(kCart), first);
    // Indexes are unique across keys too.
    cache_.track(kStock);
    cache_.apply_live_result(kStock, live({"z"}));
    EXPECT_GT(cache_.index_of(kStock), cache_.index_of(kCart));
}

TEST_F(InstanceCacheTest, EmptyAnswerIsHeldUntilASecondRefreshConfirmsIt) {
    cache_.track(kCart);
    cache_.apply_live_result(kCart, live({"a", "b"}, "r1"));
    auto index = cache_.index_of(kCart);
    EXPECT_EQ(cache_.apply_live_result(kCart, live({}, "r2")), Applied::kEmptyHeld);
    EXPECT_EQ(ids_of(cache_.get(kCart).set), (std::vector<std::string>{"a", "b"}));
    // The old revision is kept, so the next pull gets a full answer instead of a 304.
    EXPECT_EQ(cache_.refresh_list().at(0).revision, "r1");
    EXPECT_EQ(cache_.apply_live_result(kCart, live({}, "r2")), Applied::kChanged);
    EXPECT_TRUE(cache_.get(kCart).set->set->instances.empty());
    EXPECT_GT(cache_.index_of(kCart), index);
    EXPECT_THAT(metrics(), HasSubstr("sc_agent_cache_refreshes_total{result=\"empty_held\"} 1"));
}

TEST_F(InstanceCacheTest, AnInterveningNonEmptyAnswerResetsTheEmptyConfirmation) {
    cache_.track(kCart);
    cache_.apply_live_result(kCart, live({"a"}));
    EXPECT_EQ(cache_.apply_live_result(kCart, live({})), Applied::kEmptyHeld);
    EXPECT_EQ(cache_.apply_live_result(kCart, live({"a"})), Applied::kUnchanged);
    EXPECT_EQ(cache_.apply_live_result(kCart, live({})), Applied::kEmptyHeld);
    EXPECT_EQ(cache_.apply_not_modified(kCart), Applied::kUnchanged);
    EXPECT_EQ(cache_.apply_live_result(kCart, live({})), Applied::kEmptyHeld);
    EXPECT_EQ(ids_of(cache_.get(kCart).set), (std::vector<std::string>{"a"}));
}

TEST_F(InstanceCacheTest, ServiceNotFoundIsProtectedLikeAnEmptyAnswer) {
    cache_.track(kCart);
    LiveResult gone;
    gone.service_found = false;
    // Nothing cached yet: accepted at once, the API answers SERVICE_NOT_FOUND.
    EXPECT_EQ(cache_.apply_live_result(kCart, gone), Applied::kChanged);
    EXPECT_FALSE(cache_.get(kCart).set->service_found);
    cache_.apply_live_result(kCart, live({"a"}));
    EXPECT_EQ(cache_.apply_live_result(kCart, gone), Applied::kEmptyHeld);
    EXPECT_TRUE(cache_.get(kCart).set->service_found);
    EXPECT_EQ(cache_.apply_live_result(kCart, gone), Applied::kChanged);
    EXPECT_FALSE(cache_.get(kCart).set->service_found);
}

TEST_F(InstanceCacheTest, FailureKeepsTheDataAsSourceCacheWithAGrowingAge) {
    cache_.track(kCart);
    cache_.apply_live_result(kCart, live({"a"}));
    auto index = cache_.index_of(kCart);
    clock_.advance(std::chrono::seconds(30));
    cache_.mark_failure(kCart);
    auto after_failure = cache_.get(kCart).set;
    EXPECT_EQ(after_failure->source, Source::kCache);
    EXPECT_EQ(after_failure->age_seconds(clock_.now()), 30);
    EXPECT_EQ(ids_of(after_failure), (std::vector<std::string>{"a"}));
    EXPECT_EQ(after_failure->index, index);  // no content change: waiters stay asleep
    for (int i = 0; i < 5; ++i) {
        clock_.advance(std::chrono::seconds(30));
        cache_.mark_failure(kCart);
    }
    EXPECT_EQ(cache_.get(kCart).set->age_seconds(clock_.now()), 180);
    EXPECT_EQ(cache_.get(kCart).set->source, Source::kCache);
    cache_.update_age_metrics();
    EXPECT_THAT(
        metrics(),
        HasSubstr("sc_agent_cache_age_seconds{app=\"shop\",env=\"\",service=\"cart\"} 180"));
    EXPECT_THAT(metrics(), HasSubstr("sc_agent_cache_refreshes_total{result=\"failed\"} 6"));
    // The registry is back: 304 makes it live and fresh again.
    cache_.apply_not_modified(kCart);
    EXPECT_EQ(cache_.get(kCart).set->source, Source::kLive);
    EXPECT_EQ(cache_.get(kCart).set->age_seconds(clock_.now()), 0);
}

TEST_F(InstanceCacheTest, FirstRefreshFailingMakesTheEntryUnavailable) {
    cache_.track(kCart);
    cache_.mark_failure(kCart);
    EXPECT_EQ(cache_.get(kCart).state, State::kUnavailable);
    cache_.apply_live_result(kCart, live({"a"}));
    EXPECT_EQ(cache_.get(kCart).state, State::kReady);
}

TEST_F(InstanceCacheTest, IdleEntriesAreDroppedAfterTenMinutesUnlessAskedForOrPinned) {
    cache_.track(kCart);
    cache_.track(kStock, /*pinned=*/true);
    cache_.apply_live_result(kCart, live({"a"}));
    cache_.apply_live_result(kStock, live({"s"}));
    std::vector<CacheKey> dropped_seen;
    cache_.add_listener([&](const CacheKey& key, const CachedSetPtr& set) {
        if (!set) {
            dropped_seen.push_back(key);
        }
    });
    clock_.advance(std::chrono::minutes(9));
    cache_.get(kCart);  // an access restarts the 10 minutes
    clock_.advance(std::chrono::minutes(9));
    EXPECT_TRUE(cache_.expire_idle().empty());
    cache_.peek(kCart);  // peeking is not an access
    clock_.advance(std::chrono::minutes(1));
    EXPECT_EQ(cache_.expire_idle(), (std::vector<CacheKey>{kCart}));
    EXPECT_EQ(dropped_seen, (std::vector<CacheKey>{kCart}));
    EXPECT_EQ(cache_.get(kCart).state, State::kUntracked);
    EXPECT_EQ(cache_.get(kStock).state, State::kReady);
    EXPECT_EQ(cache_.refresh_list().size(), 1u);
    EXPECT_THAT(metrics(), Not(HasSubstr("service=\"cart\"")));
    EXPECT_THAT(metrics(), HasSubstr("sc_agent_cached_instances{app=\"shop\",env=\"production\","
                                     "service=\"stock\"} 1"));
}

TEST_F(InstanceCacheTest, RestoreServesDiskDataWithItsOriginalAge) {
    auto wall_now = std::chrono::system_clock::now();
    InstanceCache::DiskEntry disk{kCart, live({"a"}, "r9"), wall_now - std::chrono::seconds(90)};
    cache_.track(kStock);
    cache_.apply_live_result(kStock, live({"live"}));
    InstanceCache::DiskEntry stale{kStock, live({"old"}), wall_now};
    EXPECT_EQ(cache_.restore({disk, stale}, wall_now), 1u);  // live data wins over disk
    auto set = cache_.get(kCart).set;
    EXPECT_EQ(set->source, Source::kDisk);
    EXPECT_EQ(set->age_seconds(clock_.now()), 90);
    EXPECT_EQ(set->revision, "r9");
    EXPECT_EQ(ids_of(cache_.get(kStock).set), (std::vector<std::string>{"live"}));
    cache_.mark_failure(kCart);  // still down: stays "disk"
    EXPECT_EQ(cache_.get(kCart).set->source, Source::kDisk);
    cache_.apply_not_modified(kCart);
    EXPECT_EQ(cache_.get(kCart).set->source, Source::kLive);
}

TEST_F(InstanceCacheTest, ListenersHearContentChangesOnly) {
    std::vector<std::uint64_t> heard;
    cache_.add_listener(
        [&](const CacheKey&, const CachedSetPtr& set) { heard.push_back(set ? set->index : 0); });
    cache_.track(kCart);
    cache_.apply_live_result(kCart, live({"a"}));
    cache_.apply_live_result(kCart, live({"a"}));
    cache_.apply_not_modified(kCart);
    cache_.mark_failure(kCart);
    cache_.apply_live_result(kCart, live({"a", "b"}));
    ASSERT_EQ(heard.size(), 2u);
    EXPECT_LT(heard[0], heard[1]);
}

TEST_F(InstanceCacheTest, ReadersSeeWholeSetsWhileAWriterSwaps) {
    cache_.track(kCart);
    cache_.apply_live_result(kCart, live({"a"}));
    std::atomic<bool> stop{false};
    std::atomic<int> torn{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                auto set = cache_.get(kCart).set;
                // Each published set has 1 or 2 instances and matching data centers.
                auto n = set->set->instances.size();
                if (n < 1 || n > 2 || set->data_centers.size() != n) {
                    torn.fetch_add(1);
                }
            }
        });
    }
    for (int i = 0; i < 2000; ++i) {
        cache_.apply_live_result(kCart, i % 2 == 0 ? live({"a", "b"}) : live({"a"}));
    }
    stop.store(true);
    for (auto& reader : readers) {
        reader.join();
    }
    EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace scagent::discovery
