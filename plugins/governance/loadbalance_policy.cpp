#include "plugins/governance/loadbalance_policy.hpp"

#include "plugins/governance/yaml_fields.hpp"
#include "plugins/lb/factory.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const LoadBalanceConfig> parse_loadbalance(const YAML::Node& root, std::string name,
                                                           ItemErrors& errors) {
    const std::size_t before = errors.size();
    Fields f(root, "", errors);
    if (!f.is_map()) {
        return nullptr;
    }
    auto c = std::make_shared<LoadBalanceConfig>();
    c->meta = read_meta(f, std::move(name));
    if (!f.has("rule")) {
        f.error("rule", "is required (known: " + lb::known_load_balancer_names() + ")");
    } else if (f.read("rule", c->rule) && !lb::is_known_load_balancer(c->rule)) {
        f.error("rule", "unknown load balancer '" + c->rule +
                            "' (known: " + lb::known_load_balancer_names() + ")");
    }
    if (errors.size() != before) {
        return nullptr;
    }
    return c;
}

}  // namespace scagent::plugins::governance
