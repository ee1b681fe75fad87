// The local API's `select` end to end (GovernedSelector): snapshot load, isolation lookup among
// 100 match groups, route rule, balancer state lookup and a pick over 1k instances.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "plugins/api/clock.hpp"
#include "plugins/governance/governed_selector.hpp"
#include "plugins/governance/loop_selector.hpp"
#include "tests/bench/api_match_group.hpp"

namespace {

using namespace scagent;
using namespace scagent::plugins;
using namespace scagent::plugins::governance;

constexpr int kGroups = 100;
constexpr int kInstances = 1000;

// 100 match groups, each with an instanceIsolation and a loadbalance policy; only the last
// group matches the request, so every lookup walks all of them (the worst case).
std::shared_ptr<const GovernanceSnapshot> hundred_groups(bool with_route_rule) {
    std::vector<GovernanceInput> inputs;
    for (int i = 0; i < kGroups; ++i) {
        const std::string name = scagent::bench::add_api_match_group(inputs, i);
        inputs.push_back(
            {"servicecomb.instanceIsolation." + name, "minimumNumberOfCalls: 10", "bench"});
        inputs.push_back({"servicecomb.loadbalance." + name, "rule: RoundRobin", "bench"});
    }
    if (with_route_rule) {
        inputs.push_back({"servicecomb.routeRule.orders",
                          "- route:\n    - weight: 20\n      tags: {version: 2.0.0}\n"
                          "    - weight: 80\n      tags: {version: 1.0.0}\n",
                          "bench"});
    }
    return GovernanceSnapshot::build(inputs, {"shop", "1.0.0"});
}

std::vector<Instance> thousand_instances() {
    std::vector<Instance> instances;
    for (int i = 0; i < kInstances; ++i) {
        Instance instance;
        instance.instance_id = "8f3c2a1e-instance-" + std::to_string(i);
        instance.version = i % 5 == 0 ? "2.0.0" : "1.0.0";
        instance.host = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        instance.port = 8080;
        instance.endpoints = {"rest://" + instance.host + ":8080"};
        instances.push_back(std::move(instance));
    }
    return instances;
}

std::vector<const Instance*> pointers_to(const std::vector<Instance>& instances) {
    std::vector<const Instance*> pointers;
    for (const auto& instance : instances) {
        pointers.push_back(&instance);
    }
    return pointers;
}

void BM_GovernedSelect(benchmark::State& state, bool with_route_rule) {
    const auto snapshot = hundred_groups(with_route_rule);
    scagent::plugins::governance::GovernedSelector selector([snapshot] { return snapshot; },
                                                            plugins::system_clock());
    const auto instances = thousand_instances();
    RequestView request;
    request.method = "GET";
    request.path = "/api/v" + std::to_string(kGroups - 1) + "/orders/42";
    for (auto _ : state) {
        benchmark::DoNotOptimize(selector.select("orders", instances, request));
    }
}
BENCHMARK_CAPTURE(BM_GovernedSelect, NoRouteRule_1kInstances_100Groups, false);
BENCHMARK_CAPTURE(BM_GovernedSelect, RouteRule2080_1kInstances_100Groups, true);

// A proxy loop's pick and outcome (LoopSelector), as the proxy makes them per call: the states
// are found in the loop's tables, a closed breaker and RoundRobin answer with atomics.
void BM_LoopSelectAndOutcome(benchmark::State& state, bool with_route_rule, int instances_n) {
    const auto snapshot = hundred_groups(with_route_rule);
    GovernedSelector shared([snapshot] { return snapshot; }, plugins::system_clock());
    LoopSelector loop(shared, 7);
    auto instances = thousand_instances();
    instances.resize(static_cast<std::size_t>(instances_n));
    const auto candidates = pointers_to(instances);
    RequestView request;
    request.service_name = "orders";
    request.method = "GET";
    request.path = "/api/v" + std::to_string(kGroups - 1) + "/orders/42";
    for (auto _ : state) {
        auto pick = loop.select(snapshot, candidates, request);
        benchmark::DoNotOptimize(pick.instance());
        loop.record_outcome(pick, true, std::chrono::milliseconds(1));
    }
}
BENCHMARK_CAPTURE(BM_LoopSelectAndOutcome, NoRouteRule_2Instances_100Groups, false, 2);
BENCHMARK_CAPTURE(BM_LoopSelectAndOutcome, NoRouteRule_1kInstances_100Groups, false, 1000);
BENCHMARK_CAPTURE(BM_LoopSelectAndOutcome, RouteRule2080_1kInstances_100Groups, true, 1000);

// Without governance items (the default isolation and RoundRobin), three instances: the cost of
// the pick itself, the shared selector's path (the local API's) against a loop's.
void BM_PickWithoutGovernance(benchmark::State& state, bool through_loop) {
    const auto snapshot = GovernanceSnapshot::build({}, {"shop", "1.0.0"});
    GovernedSelector shared([snapshot] { return snapshot; }, plugins::system_clock());
    LoopSelector loop(shared, 7);
    auto instances = thousand_instances();
    instances.resize(3);
    const auto candidates = pointers_to(instances);
    RequestView request;
    request.service_name = "orders";
    request.method = "GET";
    request.path = "/orders/42";
    for (auto _ : state) {
        if (through_loop) {
            auto pick = loop.select(snapshot, candidates, request);
            loop.record_outcome(pick, true, std::chrono::milliseconds(1));
        } else {
            const auto* picked = shared.select("orders", candidates, request);
            shared.record_outcome("orders", picked->instance_id, true,
                                  std::chrono::milliseconds(1));
        }
    }
}
BENCHMARK_CAPTURE(BM_PickWithoutGovernance, SharedSelector_3Instances, false);
BENCHMARK_CAPTURE(BM_PickWithoutGovernance, LoopSelector_3Instances, true);

}  // namespace

BENCHMARK_MAIN();
