#include "agent/proxy/proxy_metrics.hpp"

namespace scagent::proxy {

ProxyMetrics::ProxyMetrics(metrics::MetricsRegistry& registry)
    : requests(prometheus::BuildCounter()
                   .Name("sc_agent_proxy_requests_total")
                   .Help("Calls answered by the proxy, by target service and status code")
                   .Register(registry.registry())),
      duration(prometheus::BuildHistogram()
                   .Name("sc_agent_proxy_request_duration_seconds")
                   .Help("Time from a call's request to the end of its answer")
                   .Register(registry.registry())),
      retries(prometheus::BuildCounter()
                  .Name("sc_agent_proxy_retries_total")
                  .Help("Attempts made after the first one of a call")
                  .Register(registry.registry())),
      upstream_errors(prometheus::BuildCounter()
                          .Name("sc_agent_proxy_upstream_errors_total")
                          .Help("Attempts that got no answer from an instance, by reason")
                          .Register(registry.registry())),
      active(prometheus::BuildGauge()
                 .Name("sc_agent_proxy_active_requests")
                 .Help("Calls in flight")
                 .Register(registry.registry())),
      connections(prometheus::BuildGauge()
                      .Name("sc_agent_proxy_upstream_connections")
                      .Help("Open upstream connections (pooled and busy)")
                      .Register(registry.registry())),
      circuit_state(prometheus::BuildGauge()
                        .Name("sc_agent_proxy_circuit_state")
                        .Help("Circuit breaker of a target service: 0 closed, 1 open, 2 half-open")
                        .Register(registry.registry())) {}

ServiceMeters::Meters& ServiceMeters::of(std::string_view service) {
    service_label_.assign(service);
    auto it = by_service_.find(service_label_);
    if (it != by_service_.end()) {
        return *it->second;
    }
    auto meters = std::make_unique<Meters>();
    meters->service = service_label_;
    const std::map<std::string, std::string> labels{{"service", service_label_}};
    // Seconds; from sub-millisecond loopback calls to slow upstreams.
    static const prometheus::Histogram::BucketBoundaries kBuckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    meters->duration = &metrics_.duration.Add(labels, kBuckets);
    meters->retries = &metrics_.retries.Add(labels);
    meters->active = &metrics_.active.Add(labels);
    meters->connections = &metrics_.connections.Add(labels);
    return *by_service_.emplace(service_label_, std::move(meters)).first->second;
}

namespace {

/// The counter of `family` for (service, `label` = `value`), looked up in `cache` first: Add()
/// locks the family and hashes the labels, so each series is added once per loop.
template <class Cache, class Key, class LabelValue>
prometheus::Counter& cached_counter(Cache& cache, const Key& key,
                                    prometheus::Family<prometheus::Counter>& family,
                                    const std::string& service, const char* label,
                                    LabelValue label_value) {
    auto it = cache.find(key);
    if (it == cache.end()) {
        auto* counter = &family.Add({{"service", service}, {label, label_value()}});
        it = cache.emplace(typename Cache::key_type(key), counter).first;
    }
    return *it->second;
}

}  // namespace

void ServiceMeters::count_request(Meters& meters, unsigned code) {
    cached_counter(meters.by_code, code, metrics_.requests, meters.service, "code", [code] {
        return std::to_string(code);
    }).Increment();
}

void ServiceMeters::count_upstream_error(Meters& meters, std::string_view reason) {
    cached_counter(meters.errors_by_reason, reason, metrics_.upstream_errors, meters.service,
                   "reason", [reason] { return std::string(reason); })
        .Increment();
}

}  // namespace scagent::proxy
