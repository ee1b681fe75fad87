#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "build_info.hpp"

namespace scagent::metrics {
namespace {

TEST(MetricsRegistry, ExposesBuildInfo) {
    MetricsRegistry metrics;
    const std::string text = metrics.exposition();
    EXPECT_NE(text.find("# TYPE sc_agent_build_info gauge"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string("sc_agent_build_info{version=\"") + build::kVersion + "\"} 1"),
              std::string::npos)
        << text;
}

TEST(MetricsRegistry, ComponentsRegisterTheirOwnFamilies) {
    MetricsRegistry metrics;
    auto& counter = prometheus::BuildCounter()
                        .Name("sc_agent_heartbeats_total")
                        .Help("Heartbeats sent")
                        .Register(metrics.registry())
                        .Add({{"service", "cart"}, {"result", "ok"}});
    counter.Increment(3);
    EXPECT_NE(
        metrics.exposition().find("sc_agent_heartbeats_total{result=\"ok\",service=\"cart\"} 3"),
        std::string::npos)
        << metrics.exposition();
}

}  // namespace
}  // namespace scagent::metrics
