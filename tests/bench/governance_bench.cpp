// Hot paths of the proxy's governance step: finding the policy for a request among 100 match
// groups, routing, and picking one of 1k instances.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "plugins/governance/snapshot.hpp"
#include "plugins/lb/factory.hpp"
#include "tests/bench/api_match_group.hpp"

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

// 100 match groups, each bound to a policy of every kind the proxy looks up per call; the
// request matches the 50th group.
std::shared_ptr<const GovernanceSnapshot> hundred_groups_every_kind() {
    std::vector<GovernanceInput> inputs;
    const std::vector<std::pair<std::string, std::string>> kinds = {
        {"retry", "maxAttempts: 2"},
        {"rateLimiting", "rate: 1000"},
        {"circuitBreaker", "minimumNumberOfCalls: 10"},
        {"instanceIsolation", "minimumNumberOfCalls: 10"},
        {"bulkhead", "maxConcurrentCalls: 100"},
        {"loadbalance", "rule: RoundRobin"},
        {"faultInjection", "type: delay\ndelayTime: 10\npercentage: 0"},
        {"timeLimiter", "timeoutDuration: 1000"},
    };
    for (int i = 0; i < kGroups; ++i) {
        const std::string name = scagent::bench::add_api_match_group(inputs, i);
        for (const auto& [kind, value] : kinds) {
            inputs.push_back({"servicecomb." + kind + "." + name, value, "bench"});
        }
    }
    return GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
}

RequestView middle_group_request() {
    RequestView request;
    request.method = "POST";
    request.path = "/api/v" + std::to_string(kGroups / 2) + "/orders/42";
    request.service_name = "orders";
    return request;
}

/// The eight lookups of one proxied call, as the proxy makes them: one MatchedGroups for all.
template <class Lookups>
void all_kinds(const GovernanceSnapshot& snapshot, Lookups& lookups) {
    benchmark::DoNotOptimize(snapshot.rate_limit_for(lookups));
    benchmark::DoNotOptimize(snapshot.bulkhead_for(lookups));
    benchmark::DoNotOptimize(snapshot.circuit_breaker_for(lookups));
    benchmark::DoNotOptimize(snapshot.fault_injection_for(lookups));
    benchmark::DoNotOptimize(snapshot.retry_for(lookups));
    benchmark::DoNotOptimize(snapshot.time_limiter_for(lookups));
    benchmark::DoNotOptimize(snapshot.instance_isolation_for(lookups));
    benchmark::DoNotOptimize(snapshot.loadbalance_for(lookups));
}

void BM_AllKindsLookup100Groups(benchmark::State& state, bool one_call) {
    const auto snapshot = hundred_groups_every_kind();
    const RequestView request = middle_group_request();
    if (!snapshot->retry_for(request) || !snapshot->fault_injection_for(request)) {
        state.SkipWithError("the request matches no policy: the inputs are wrong");
        return;
    }
    for (auto _ : state) {
        if (one_call) {
            MatchedGroups matched(*snapshot, request);
            all_kinds(*snapshot, matched);
        } else {
            all_kinds(*snapshot, request);
        }
    }
}
// As the proxy and /v1/explain look up: each group judged once per call.
BENCHMARK_CAPTURE(BM_AllKindsLookup100Groups, OneCall, true);
// Eight separate lookups, each judging the groups again.
BENCHMARK_CAPTURE(BM_AllKindsLookup100Groups, Separate, false);

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
