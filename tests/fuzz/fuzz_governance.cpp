// Governance items as the config center delivers them: the first line is the kie key, the rest
// its YAML value, applied together with a match group of the same YAML; then a request is
// matched and routed against the snapshot, as a proxied call would be.
#include <array>
#include <string>

#include "plugins/api/rng.hpp"
#include "plugins/governance/snapshot.hpp"
#include "tests/fuzz/fuzz_target.hpp"

SC_AGENT_FUZZ_TARGET(fuzz_governance) {
    namespace gov = scagent::plugins::governance;
    const auto text = scagent::fuzz::text_of(data, size);
    const auto newline = text.find('\n');
    const std::string key(text.substr(0, newline));
    const std::string value(newline == std::string_view::npos ? "" : text.substr(newline + 1));
    const std::array<gov::GovernanceInput, 2> inputs{
        gov::GovernanceInput{key, value, "fuzz"},
        gov::GovernanceInput{"servicecomb.matchGroup.fuzz", value, "fuzz"}};
    const auto snapshot = gov::GovernanceSnapshot::build(inputs, {"cart", "1.0.0"});

    scagent::plugins::RequestView request;
    request.method = "POST";
    request.path = "/orders/42";
    request.service_name = "orders";
    request.headers.emplace("x-tier", "free");
    request.headers.emplace("user-agent", value.substr(0, 64));
    (void)snapshot->matching_groups(request);
    (void)snapshot->rate_limit_for(request);
    (void)snapshot->retry_for(request);
    scagent::plugins::Instance a;
    a.instance_id = "a";
    a.version = "1.0.0";
    scagent::plugins::Instance b = a;
    b.instance_id = "b";
    b.version = "2.0.0";
    b.properties.emplace("canary", "true");
    const std::array<const scagent::plugins::Instance*, 2> candidates{&a, &b};
    scagent::plugins::SeededRng rng(7);
    (void)snapshot->route(candidates, request, {}, rng);
    (void)snapshot->explain_route(candidates, request);
    return 0;
}
