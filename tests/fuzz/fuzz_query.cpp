// Query strings of the local API's discovery routes (`instances`, `select`), percent-encoded
// as any HTTP client sends them: every input is a parsed query or a BAD_REQUEST naming the
// parameter.
#include <string>

#include "agent/api/discovery_query.hpp"
#include "tests/fuzz/fuzz_target.hpp"

SC_AGENT_FUZZ_TARGET(fuzz_query) {
    using namespace scagent::api;
    const auto text = scagent::fuzz::text_of(data, size);
    static const DiscoveryDefaults defaults = [] {
        DiscoveryDefaults d;
        d.app = "shop";
        d.consumers = {ConsumerDefaults{"cart", "shop", "production"}};
        return d;
    }();
    (void)parse_discovery_query(DiscoveryRoute::kInstances, "orders", text, defaults);
    (void)parse_discovery_query(DiscoveryRoute::kSelect, "orders", text, defaults, "cart");
    return 0;
}
