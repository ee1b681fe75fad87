#include "metrics/metrics_registry.hpp"

#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

#include "build_info.hpp"

namespace scagent::metrics {

MetricsRegistry::MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {
    prometheus::BuildGauge()
        .Name("sc_agent_build_info")
        .Help("Build of the running sc-agent; the value is always 1")
        .Register(*registry_)
        .Add({{"version", build::kVersion}})
        .Set(1);
}

std::string MetricsRegistry::exposition() const {
    return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace scagent::metrics
