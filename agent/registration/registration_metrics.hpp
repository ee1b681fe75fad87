#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <string>

#include "agent/clients/registry_client.hpp"
#include "metrics/metrics_registry.hpp"

namespace scagent::registration {

/// The registration metric families, declared once (STYLE §11). Thread-safe: prometheus-cpp
/// families lock on Add and their metrics are atomic.
class RegistrationMetrics {
  public:
    explicit RegistrationMetrics(metrics::MetricsRegistry& registry);

    /// sc_agent_registered{service}: 1 while the instance is known to be registered.
    void set_registered(const std::string& service, bool registered);
    /// sc_agent_heartbeats_total{service,result}; result "ok", "instance_gone",
    /// "service_gone", "unavailable" or "error".
    void count_heartbeat(const std::string& service, const std::string& result);
    /// sc_agent_registry_requests_total{operation,code} and the duration histogram; `code` is
    /// the HTTP status, or the transport error kind when no response arrived.
    void observe(const clients::RequestRecord& record);

    /// An observer for RegistryClient::set_observer(); `this` must outlive the client.
    clients::RequestObserver observer();

  private:
    prometheus::Family<prometheus::Gauge>& registered_;
    prometheus::Family<prometheus::Counter>& heartbeats_;
    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& durations_;
};

}  // namespace scagent::registration
