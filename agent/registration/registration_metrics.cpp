#include "agent/registration/registration_metrics.hpp"

#include <chrono>

namespace scagent::registration {

RegistrationMetrics::RegistrationMetrics(metrics::MetricsRegistry& registry)
    : registered_(prometheus::BuildGauge()
                      .Name("sc_agent_registered")
                      .Help("1 while the local service's instance is registered")
                      .Register(registry.registry())),
      heartbeats_(prometheus::BuildCounter()
                      .Name("sc_agent_heartbeats_total")
                      .Help("Heartbeats sent to the registry, by outcome")
                      .Register(registry.registry())),
      requests_(prometheus::BuildCounter()
                    .Name("sc_agent_registry_requests_total")
                    .Help("Registry request attempts, by operation and HTTP status or error")
                    .Register(registry.registry())),
      durations_(prometheus::BuildHistogram()
                     .Name("sc_agent_registry_request_duration_seconds")
                     .Help("Registry request attempt latency")
                     .Register(registry.registry())) {}

void RegistrationMetrics::set_registered(const std::string& service, bool registered) {
    registered_.Add({{"service", service}}).Set(registered ? 1 : 0);
}

void RegistrationMetrics::count_heartbeat(const std::string& service, const std::string& result) {
    heartbeats_.Add({{"service", service}, {"result", result}}).Increment();
}

void RegistrationMetrics::observe(const clients::RequestRecord& record) {
    const std::string operation(record.operation);
    const std::string code = record.http_status != 0 ? std::to_string(record.http_status)
                             : record.error != nullptr
                                 ? std::string(plugins::servicecomb::to_string(record.error->kind))
                                 : "none";
    requests_.Add({{"operation", operation}, {"code", code}}).Increment();
    static const prometheus::Histogram::BucketBoundaries kBuckets{
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    durations_.Add({{"operation", operation}}, kBuckets)
        .Observe(std::chrono::duration<double>(record.elapsed).count());
}

clients::RequestObserver RegistrationMetrics::observer() {
    return [this](const clients::RequestRecord& record) { observe(record); };
}

}  // namespace scagent::registration
