// The local API's `instances` route from cache: InstanceCache::get + version/tag/status filters +
// the JSON answer, for a 100-instance provider, with reader threads while one writer keeps
// swapping the set (a refresh every millisecond, far more often than any registry would).
//
//   cmake --preset release && cmake --build build/release --target bench_discovery
//   build/release/tests/bench/bench_discovery
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "agent/api/discovery_query.hpp"
#include "agent/api/discovery_responses.hpp"
#include "agent/api/discovery_routes.hpp"
#include "agent/discovery/instance_cache.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::discovery {
namespace {

const CacheKey kKey{"shop", "cart", ""};

LiveResult hundred(int generation) {
    LiveResult out;
    out.revision = "rev-" + std::to_string(generation);
    for (int i = 0; i < 100; ++i) {
        plugins::Instance instance;
        instance.instance_id = "instance-" + std::to_string(i);
        instance.service_id = "service-" + std::to_string(i % 3);
        instance.version = "1." + std::to_string(i % 3) + ".0";
        instance.status = (i + generation) % 10 == 0 ? "DOWN" : "UP";
        instance.endpoints = {"rest://10.0." + std::to_string(i / 250) + "." +
                              std::to_string(i % 250) + ":8080?sslEnabled=false"};
        instance.properties = {{"zone", i % 2 == 0 ? "az1" : "az2"}, {"canary", "false"}};
        out.instances.push_back(std::move(instance));
        out.data_centers.push_back({"dc1", "cn-north-4", i % 2 == 0 ? "az1" : "az2"});
    }
    return out;
}

/// One cache shared by every benchmark thread, plus the writer that swaps it while they run.
struct Shared {
    Shared() : cache(plugins::system_clock()) {
        cache.track(kKey, true);
        cache.apply_live_result(kKey, hundred(0));
    }
    void start_writer() {
        stop = false;
        writer = std::thread([this] {
            int generation = 1;
            while (!stop.load(std::memory_order_relaxed)) {
                cache.apply_live_result(kKey, hundred(generation++));
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            swaps.store(generation - 1);
        });
    }
    void stop_writer() {
        stop = true;
        writer.join();
    }

    InstanceCache cache;
    std::atomic<bool> stop{false};
    std::atomic<int> swaps{0};
    std::thread writer;
};

Shared& shared() {
    static Shared instance;
    return instance;
}

plugins::discovery::InstanceFilter filter_of(std::string_view version, std::string_view tags) {
    plugins::discovery::InstanceFilter filter;
    filter.version = plugins::discovery::parse_version_rule(version).rule;
    filter.tags = plugins::discovery::parse_tag_filter(tags).filter;
    return filter;
}

void with_writer(benchmark::State& state, auto&& body) {
    if (state.thread_index() == 0) {
        shared().start_writer();
    }
    body();
    if (state.thread_index() == 0) {
        shared().stop_writer();
        state.counters["swaps"] = shared().swaps.load();
    }
}

void BM_Get(benchmark::State& state) {
    with_writer(state, [&] {
        for (auto _ : state) {
            auto lookup = shared().cache.get(kKey);
            benchmark::DoNotOptimize(lookup.set->index);
        }
    });
}

void BM_GetFilter(benchmark::State& state) {
    auto filter = filter_of("1.1.0+", "zone:az1");
    with_writer(state, [&] {
        for (auto _ : state) {
            auto lookup = shared().cache.get(kKey);
            auto kept = plugins::discovery::filter_instances(*lookup.set->set, filter);
            benchmark::DoNotOptimize(kept.data());
        }
    });
}

/// The whole `instances` answer body: get + filter + JSON tree + serialisation.
void BM_InstancesAnswer(benchmark::State& state) {
    auto filter = filter_of(state.range(0) == 0 ? "" : "latest", "");
    auto& clock = plugins::system_clock();
    with_writer(state, [&] {
        std::size_t bytes = 0;
        for (auto _ : state) {
            auto lookup = shared().cache.get(kKey);
            std::string body = api::instances_answer(*lookup.set, filter, clock.now()).dump();
            bytes += body.size();
            benchmark::DoNotOptimize(body.data());
        }
        state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    });
}

/// The same body from the pre-rendered instances (CachedSet::rendered): what the route sends.
void BM_InstancesRendered(benchmark::State& state) {
    auto filter = filter_of(state.range(0) == 0 ? "" : "latest", "");
    auto& clock = plugins::system_clock();
    with_writer(state, [&] {
        std::size_t bytes = 0;
        for (auto _ : state) {
            auto lookup = shared().cache.get(kKey);
            std::string body = api::render_instances_answer(*lookup.set, filter, clock.now());
            bytes += body.size();
            benchmark::DoNotOptimize(body.data());
        }
        state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    });
}

/// The handler without sockets: query parsing, lookup, filter, body and the Reply.
void BM_InstancesHandler(benchmark::State& state) {
    auto& clock = plugins::system_clock();
    api::DiscoveryDefaults defaults;
    defaults.app = kKey.app;
    with_writer(state, [&] {
        for (auto _ : state) {
            auto parsed = api::parse_discovery_query(api::DiscoveryRoute::kInstances, "cart",
                                                     "status=UP", defaults);
            auto lookup = shared().cache.get(parsed.query.key);
            auto reply = api::instances_reply(lookup, parsed.query, clock.now());
            benchmark::DoNotOptimize(reply.body.data());
        }
    });
}

BENCHMARK(BM_Get)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_GetFilter)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_InstancesAnswer)->Arg(0)->Arg(1)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_InstancesRendered)->Arg(0)->Arg(1)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_InstancesHandler)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace scagent::discovery

BENCHMARK_MAIN();
