#include "plugins/governance/fault_injection.hpp"

#include "plugins/governance/duration.hpp"
#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const FaultInjectionConfig> parse_fault_injection(const YAML::Node& root,
                                                                  std::string name,
                                                                  ItemErrors& errors) {
    return parse_policy<FaultInjectionConfig>(
        root, std::move(name), errors, [&](Fields& f, FaultInjectionConfig* c) {
            std::string type;
            if (f.read("type", type)) {
                if (type == "abort") {
                    c->type = FaultType::kAbort;
                } else if (type != "delay") {
                    f.error("type", "must be delay or abort, got '" + type + "'");
                }
            }
            if (!f.has("percentage")) {
                f.error("percentage", "is required: an integer in [0, 100]");
            } else if (f.read("percentage", c->percentage) &&
                       (c->percentage < 0 || c->percentage > 100)) {
                f.error("percentage", "must be in [0, 100], got " + std::to_string(c->percentage));
            }
            Duration delay{};
            if (f.read_duration("delayTime", delay)) {
                c->delay_time = delay;
            }
            if (c->type == FaultType::kDelay) {
                if (!f.has("delayTime")) {
                    f.error("delayTime", "is required when type is delay");
                } else if (c->delay_time && *c->delay_time < Duration::zero()) {
                    f.error("delayTime", "must be >= 0, got " + format_duration(*c->delay_time));
                }
            }
            if (f.read("errorCode", c->error_code) && c->type == FaultType::kAbort &&
                (c->error_code < 200 || c->error_code > 600)) {
                f.error("errorCode", "must be in [200, 600], got " + std::to_string(c->error_code));
            }
            f.read("forceClosed", c->force_closed);
            if (f.read("fallbackType", c->fallback_type) && c->fallback_type != "ThrowException" &&
                c->fallback_type != "ReturnNull") {
                f.error("fallbackType",
                        "must be ThrowException or ReturnNull, got '" + c->fallback_type + "'");
            }
        });
}

FaultDecision FaultInjector::next() noexcept {
    const auto& c = *config_;
    if (c.force_closed || c.percentage <= 0) {
        return {};
    }
    const std::uint64_t n = requests_.fetch_add(1) + 1;
    const auto p = static_cast<std::uint64_t>(c.percentage);
    if (n * p / 100 == (n - 1) * p / 100) {
        return {};
    }
    if (c.type == FaultType::kAbort) {
        return {FaultAction::kAbort, Duration::zero(), c.error_code};
    }
    return {FaultAction::kDelay, c.delay_time.value_or(Duration::zero()), 0};
}

}  // namespace scagent::plugins::governance
