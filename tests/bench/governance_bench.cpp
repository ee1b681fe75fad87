// Hot paths of the proxy's governance step: finding the policy for a request among 100 match
// groups, routing, and picking one of 1k instances.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "plugins/governance/snapshot.hpp"
#include "plugins/lb/factory.hpp"

namespace {

using namespace scagent::plugins;
using namespace scagent::plugins::governance;

constexpr int kGroups = 100;
constexpr int kInstances = 1000;

// 100 match groups with a retry each; only the last group matches the benchmark request, so
// a lookup walks all of them (the worst case).
std::shared_ptr<const GovernanceSnapshot> hundred_groups() {
    std::vector<GovernanceInput> inputs;
    for (int i = 0; i < kGroups; ++i) {
        const std::string name = "g" + std::to_string(1000 + i);
        inputs.push_back({"servicecomb.matchGroup." + name,
                          "matches:\n"
                          "  - apiPath:\n      prefix: /api/v" +
                              std::to_string(i) +
                              "/\n"
                              "    method: [GET, POST]\n"
                              "    headers:\n      x-tenant:\n        exact: t" +
                              std::to_string(i) + "\n",
                          "bench"});
        inputs.push_back({"servicecomb.retry." + name, "maxAttempts: 2", "bench"});
    }
    inputs.push_back({"servicecomb.routeRule.orders",
                      "- route:\n    - weight: 20\n      tags: {version: 2.0.0}\n"
                      "    - weight: 80\n      tags: {version: 1.0.0}\n",
                      "bench"});
    return GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
}

RequestView last_group_request() {
    RequestView r;
    r.method = "POST";
    r.path = "/api/v" + std::to_string(kGroups - 1) + "/orders/42";
    r.service_name = "orders";
    r.headers["Content-Type"] = "application/json";
    r.headers["X-Tenant"] = "t" + std::to_string(kGroups - 1);
    r.affinity_key = "session-1234";
    return r;
}

InstanceSet thousand_instances() {
    InstanceSet set;
    for (int i = 0; i < kInstances; ++i) {
        Instance instance;
        instance.instance_id = "8f3c2a1e-instance-" + std::to_string(i);
        instance.version = i % 5 == 0 ? "2.0.0" : "1.0.0";
        instance.host = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        instance.port = 8080;
        set.instances.push_back(std::move(instance));
    }
    return set;
}

void BM_PolicyLookup100Groups(benchmark::State& state) {
    auto snapshot = hundred_groups();
    const RequestView request = last_group_request();
    for (auto _ : state) {
        benchmark::DoNotOptimize(snapshot->retry_for(request));
    }
}
BENCHMARK(BM_PolicyLookup100Groups);

void BM_RouteRule1kInstances(benchmark::State& state) {
    auto snapshot = hundred_groups();
    const RequestView request = last_group_request();
    const InstanceSet set = thousand_instances();
    const auto ptrs = lb::pointers_of(set);
    SeededRng rng(1);
    for (auto _ : state) {
        benchmark::DoNotOptimize(snapshot->route(ptrs, request, Excluded{}, rng));
    }
}
BENCHMARK(BM_RouteRule1kInstances);

void BM_Pick1kInstances(benchmark::State& state, std::string_view rule, int excluded_count) {
    const RequestView request = last_group_request();
    const InstanceSet set = thousand_instances();
    const auto ptrs = lb::pointers_of(set);
    Excluded excluded;
    for (int i = 0; i < excluded_count; ++i) {
        excluded.ids.insert(
            set.instances[static_cast<std::size_t>(i * 37 % kInstances)].instance_id);
    }
    auto balancer = lb::make_load_balancer(rule, std::make_unique<SeededRng>(1)).balancer;
    for (auto _ : state) {
        benchmark::DoNotOptimize(balancer->pick(lb::Candidates(ptrs), request, excluded));
    }
}
BENCHMARK_CAPTURE(BM_Pick1kInstances, RoundRobin, "RoundRobin", 0);
BENCHMARK_CAPTURE(BM_Pick1kInstances, RoundRobin_10Excluded, "RoundRobin", 10);
BENCHMARK_CAPTURE(BM_Pick1kInstances, Random, "Random", 0);
BENCHMARK_CAPTURE(BM_Pick1kInstances, WeightedResponse, "WeightedResponse", 0);
BENCHMARK_CAPTURE(BM_Pick1kInstances, SessionStickiness, "SessionStickiness", 0);
BENCHMARK_CAPTURE(BM_Pick1kInstances, LeastRequest, "LeastRequest", 0);
BENCHMARK_CAPTURE(BM_Pick1kInstances, ConsistentHash, "ConsistentHash", 0);

// The whole per-request governance step: policy lookup, routing, then a pick.
void BM_LookupRoutePick(benchmark::State& state) {
    auto snapshot = hundred_groups();
    const RequestView request = last_group_request();
    const InstanceSet set = thousand_instances();
    const auto ptrs = lb::pointers_of(set);
    SeededRng rng(1);
    auto balancer = lb::make_load_balancer("RoundRobin", nullptr).balancer;
    for (auto _ : state) {
        benchmark::DoNotOptimize(snapshot->retry_for(request));
        auto routed = snapshot->route(ptrs, request, Excluded{}, rng);
        benchmark::DoNotOptimize(
            balancer->pick(lb::Candidates(routed.instances), request, Excluded{}));
    }
}
BENCHMARK(BM_LookupRoutePick);

}  // namespace

BENCHMARK_MAIN();
