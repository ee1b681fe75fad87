#include "plugins/governance/time_limiter.hpp"

#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const TimeLimiterConfig> parse_time_limiter(const YAML::Node& root,
                                                            std::string name, ItemErrors& errors) {
    return parse_policy<TimeLimiterConfig>(
        root, std::move(name), errors, [&](Fields& f, TimeLimiterConfig* c) {
            if (f.read_duration("timeoutDuration", c->timeout_duration) &&
                c->timeout_duration <= Duration::zero()) {
                f.error("timeoutDuration",
                        "must be > 0, got " + format_duration(c->timeout_duration));
            }
            f.read("cancelRunningFuture", c->cancel_running_future);
        });
}

}  // namespace scagent::plugins::governance
