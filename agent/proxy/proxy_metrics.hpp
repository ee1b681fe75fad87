#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metrics/metrics_registry.hpp"

namespace scagent::proxy {

/// The proxy's metric families (spec: Metrics), declared once per process.
class ProxyMetrics {
  public:
    explicit ProxyMetrics(metrics::MetricsRegistry& registry);

    prometheus::Family<prometheus::Counter>& requests;
    prometheus::Family<prometheus::Histogram>& duration;
    prometheus::Family<prometheus::Counter>& retries;
    prometheus::Family<prometheus::Counter>& upstream_errors;
    prometheus::Family<prometheus::Gauge>& active;
    prometheus::Family<prometheus::Gauge>& connections;
    /// sc_agent_proxy_circuit_state{service}: 0 closed, 1 open, 2 half-open.
    prometheus::Family<prometheus::Gauge>& circuit_state;
};

/// One event loop's handles on the families, per service label: prometheus-cpp's Add() locks
/// and hashes the labels, so each loop looks a series up once and keeps the pointer. Not
/// thread-safe (one per loop); the series themselves are atomic.
class ServiceMeters {
  public:
    explicit ServiceMeters(ProxyMetrics& metrics) : metrics_(metrics) {}

    struct Meters {
        std::string service;
        prometheus::Histogram* duration = nullptr;
        prometheus::Counter* retries = nullptr;
        prometheus::Gauge* active = nullptr;
        prometheus::Gauge* connections = nullptr;
        std::map<unsigned, prometheus::Counter*> by_code;
        std::map<std::string, prometheus::Counter*, std::less<>> errors_by_reason;
    };

    /// `service` is a label value: callers pass a discovered service's name or "-" (made-up
    /// names must not create series).
    Meters& of(std::string_view service);
    void count_request(Meters& meters, unsigned code);
    void count_upstream_error(Meters& meters, std::string_view reason);

  private:
    ProxyMetrics& metrics_;
    std::string service_label_;
    std::unordered_map<std::string, std::unique_ptr<Meters>> by_service_;
};

}  // namespace scagent::proxy
