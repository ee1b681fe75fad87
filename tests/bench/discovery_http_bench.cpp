// The `instances` route over real loopback sockets: the agent's HTTP server (one io_context
// thread, as a sidecar runs by default) answering GET /v1/services/cart/instances from cache for
// a 100-instance provider, keep-alive clients in 1..4 threads. Reports req/s (items_per_second)
// and per-request latency percentiles (p50_us, p99_us).
//
//   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
//   cmake --build build/release -j2 --target bench_discovery_http
//   build/release/tests/bench/bench_discovery_http --benchmark_min_time=3
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <thread>
#include <vector>

#include "agent/api/discovery_routes.hpp"
#include "agent/discovery/discovery.hpp"
#include "agent/net/http_client.hpp"
#include "agent/net/http_server.hpp"
#include "tests/support/http_test_client.hpp"

namespace scagent::discovery {
namespace {

namespace asio = boost::asio;
const CacheKey kKey{"shop", "cart", ""};

LiveResult hundred() {
    LiveResult out;
    out.revision = "rev-1";
    for (int i = 0; i < 100; ++i) {
        plugins::Instance instance;
        instance.instance_id = "instance-" + std::to_string(i);
        instance.service_id = "service-" + std::to_string(i % 3);
        instance.version = "1." + std::to_string(i % 3) + ".0";
        instance.status = i % 10 == 0 ? "DOWN" : "UP";
        instance.endpoints = {"rest://10.0.0." + std::to_string(i) + ":8080?sslEnabled=false"};
        instance.properties = {{"zone", i % 2 == 0 ? "az1" : "az2"}, {"canary", "false"}};
        out.instances.push_back(std::move(instance));
        out.data_centers.push_back({"dc1", "cn-north-4", i % 2 == 0 ? "az1" : "az2"});
    }
    return out;
}

/// The server side, built once: Discovery is never started (no registry traffic); its cache
/// holds one provider, so every request is a cache hit.
struct Server {
    Server()
        : http(net::HttpClientOptions{}),
          client(http, plugins::system_clock(), client_options()),
          discovery(
              ioc.get_executor(), client, metrics, [] { return std::string(); },
              discovery_options()) {
        discovery.cache().track(kKey, true);
        discovery.cache().apply_live_result(kKey, hundred());
        api::DiscoveryDefaults defaults;
        defaults.app = kKey.app;
        api::add_discovery_routes(router, discovery, [defaults] { return defaults; });
        server = std::make_unique<net::HttpServer>(ioc, net::HttpServerOptions{}, router);
        server->start();
        thread = std::thread([this] { ioc.run(); });
    }
    ~Server() {
        ioc.stop();
        thread.join();
    }
    static clients::RegistryClientOptions client_options() {
        clients::RegistryClientOptions options;
        options.addresses = {"http://127.0.0.1:9"};
        return options;
    }
    static DiscoveryOptions discovery_options() {
        DiscoveryOptions options;
        options.watch = false;
        return options;
    }

    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
    net::HttpClient http;
    clients::RegistryClient client;
    prometheus::Registry metrics;
    Discovery discovery;
    net::HttpRouter router;
    std::unique_ptr<net::HttpServer> server;
    std::thread thread;
};

Server& server() {
    static Server instance;
    return instance;
}

void BM_InstancesOverHttp(benchmark::State& state) {
    const std::string target = state.range(0) == 0 ? "/v1/services/cart/instances"
                                                   : "/v1/services/cart/instances?version=latest";
    test::HttpTestClient client("127.0.0.1", server().server->port());
    std::vector<double> micros;
    micros.reserve(1 << 16);
    for (auto _ : state) {
        auto started = std::chrono::steady_clock::now();
        auto response = client.get(target);
        micros.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
                .count());
        if (response.status != 200) {
            state.SkipWithError("non-200 answer");
            break;
        }
    }
    std::sort(micros.begin(), micros.end());
    auto at = [&](double q) {
        return micros.empty() ? 0.0 : micros[static_cast<std::size_t>(q * (micros.size() - 1))];
    };
    state.counters["p50_us"] = benchmark::Counter(at(0.50), benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(at(0.99), benchmark::Counter::kAvgThreads);
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_InstancesOverHttp)->Arg(0)->Arg(1)->Threads(1)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace scagent::discovery

BENCHMARK_MAIN();
