#include "plugins/governance/bulkhead.hpp"

#include "plugins/governance/duration.hpp"
#include "plugins/governance/yaml_fields.hpp"

namespace scagent::plugins::governance {

std::shared_ptr<const BulkheadConfig> parse_bulkhead(const YAML::Node& root, std::string name,
                                                     ItemErrors& errors) {
    return parse_policy<BulkheadConfig>(
        root, std::move(name), errors, [&](Fields& f, BulkheadConfig* c) {
            if (f.read("maxConcurrentCalls", c->max_concurrent_calls) &&
                c->max_concurrent_calls < 0) {
                f.error("maxConcurrentCalls",
                        "must be >= 0, got " + std::to_string(c->max_concurrent_calls));
            }
            if (f.read_duration("maxWaitDuration", c->max_wait_duration) &&
                c->max_wait_duration < Duration::zero()) {
                f.error("maxWaitDuration",
                        "must be >= 0, got " + format_duration(c->max_wait_duration));
            }
        });
}

BulkheadPermit& BulkheadPermit::operator=(BulkheadPermit&& other) noexcept {
    if (this != &other) {
        reset();
        in_flight_ = std::move(other.in_flight_);
    }
    return *this;
}

void BulkheadPermit::reset() noexcept {
    if (in_flight_) {
        in_flight_->fetch_sub(1);
        in_flight_.reset();
    }
}

BulkheadDecision Bulkhead::try_acquire() noexcept {
    BulkheadDecision d;
    int current = in_flight_->load();
    while (current < config_->max_concurrent_calls) {
        if (in_flight_->compare_exchange_weak(current, current + 1)) {
            d.answer = BulkheadAnswer::kAdmitted;
            d.permit.emplace(in_flight_);
            return d;
        }
    }
    if (config_->max_wait_duration > Duration::zero()) {
        d.answer = BulkheadAnswer::kWait;
        d.wait_up_to = config_->max_wait_duration;
    }
    return d;
}

}  // namespace scagent::plugins::governance
