#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include <string>

#include "build_info.hpp"

namespace scagent::metrics {
namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

TEST(MetricsRegistry, AFreshRegistryHoldsOnlyTheBuildInfo) {
    const MetricsRegistry metrics;
    const std::string text = metrics.exposition();
    EXPECT_EQ(text,
              "# HELP sc_agent_build_info Build of the running sc-agent; the value is always 1\n"
              "# TYPE sc_agent_build_info gauge\n"
              "sc_agent_build_info{version=\"" +
                  std::string(build::kVersion) + "\"} 1\n");
}

TEST(MetricsRegistry, ExpositionCollectsAtEachCall) {
    MetricsRegistry metrics;
    auto& gauge = prometheus::BuildGauge()
                      .Name("sc_agent_test_value")
                      .Help("A value")
                      .Register(metrics.registry())
                      .Add({});
    gauge.Set(2);
    EXPECT_NE(metrics.exposition().find("sc_agent_test_value 2\n"), std::string::npos);
    gauge.Set(5);
    const auto text = metrics.exposition();
    EXPECT_NE(text.find("sc_agent_test_value 5\n"), std::string::npos) << text;
    EXPECT_EQ(occurrences(text, "sc_agent_build_info{"), 1U) << "build info is declared once";
}

TEST(MetricsRegistry, RegistryIsOnePerInstanceNotProcessWide) {
    MetricsRegistry first;
    MetricsRegistry second;
    EXPECT_EQ(&first.registry(), &first.registry());
    EXPECT_NE(&first.registry(), &second.registry());
    prometheus::BuildGauge()
        .Name("sc_agent_only_first")
        .Help("x")
        .Register(first.registry())
        .Add({});
    EXPECT_NE(first.exposition().find("sc_agent_only_first"), std::string::npos);
    EXPECT_EQ(second.exposition().find("sc_agent_only_first"), std::string::npos);
}

TEST(MetricsRegistry, ContentTypeIsPrometheusTextFormat004) {
    EXPECT_STREQ(MetricsRegistry::kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace scagent::metrics
