// The local API's `select` end to end (GovernedSelector): snapshot load, isolation lookup among
// 100 match groups, route rule, balancer state lookup and a pick over 1k instances.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "plugins/api/clock.hpp"
#include "plugins/governance/governed_selector.hpp"

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
        const std::string name = "g" + std::to_string(1000 + i);
        inputs.push_back({"servicecomb.matchGroup." + name,
                          "matches:\n  - apiPath:\n      prefix: /api/v" + std::to_string(i) +
                              "/\n    method: [GET, POST]\n",
                          "bench"});
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

}  // namespace

BENCHMARK_MAIN();
