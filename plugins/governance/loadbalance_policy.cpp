#include "plugins/governance/loadbalance_policy.hpp"

#include "plugins/governance/yaml_fields.hpp"
#include "plugins/lb/factory.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const LoadBalanceConfig> parse_loadbalance(const YAML::Node& root, std::string name,
                                                           ItemErrors& errors) {
    return parse_policy<LoadBalanceConfig>(
        root, std::move(name), errors, [&](Fields& f, LoadBalanceConfig* c) {
            if (!f.has("rule")) {
                f.error("rule", "is required (known: " + lb::known_load_balancer_names() + ")");
            } else if (f.read("rule", c->rule) && !lb::is_known_load_balancer(c->rule)) {
                f.error("rule", "unknown load balancer '" + c->rule +
                                    "' (known: " + lb::known_load_balancer_names() + ")");
            }
        });
}

}  // namespace scagent::plugins::governance
