#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace scagent::metrics {

/// The one prometheus-cpp registry of the process. Components declare their metric families on
/// it in their constructors (stats structs); the local API serves exposition() at /metrics.
/// Thread-safe: prometheus-cpp metrics are atomic and Collect() locks internally.
class MetricsRegistry {
  public:
    MetricsRegistry();

    prometheus::Registry& registry() { return *registry_; }

    /// The Prometheus text format (version 0.0.4) of every family.
    std::string exposition() const;

    static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

  private:
    std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace scagent::metrics
