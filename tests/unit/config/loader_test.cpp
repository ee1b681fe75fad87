#include "config/loader.hpp"

#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_paths.hpp"

namespace scagent::config {
namespace {

constexpr const char* kCart = "servicecomb:\n  service:\n    name: cart\n    version: 1.0.0\n";
constexpr const char* kPay = "servicecomb:\n  service:\n    name: pay\n    version: 1.0.0\n";

std::string load_problems(const std::string& path) {
    Diagnostics diagnostics;
    LoadOptions options;
    options.env = test::fake_env({});
    load_config(path, diagnostics, options);
    return diagnostics.to_string();
}

TEST(Loader, MissingConfigFileIsOneClearLine) {
    EXPECT_EQ(load_problems("/nonexistent/agent.yaml"),
              "/nonexistent/agent.yaml: cannot read config file /nonexistent/agent.yaml: No such "
              "file or directory\n");
}

TEST(Loader, ServicesTakeFilesAndDirectoriesRelativeToTheConfig) {
    scagent::test::TempDir dir;
    dir.write("services.d/b-pay.yaml", kPay);
    dir.write("services.d/a-cart.yaml", kCart);
    dir.write("services.d/notes.txt", "ignored: not yaml");
    dir.write("extra/one.yaml", "servicecomb:\n  service:\n    name: one\n    version: 1\n");
    const auto config = dir.write("agent.yaml", "services: [services.d, extra/one.yaml]\n");

    Diagnostics diagnostics;
    const auto loaded = load_config(config, diagnostics);
    ASSERT_EQ(diagnostics.to_string(), "");
    ASSERT_EQ(loaded->services.size(), 3u);
    EXPECT_EQ(loaded->services[0].service.name, "cart");  // directory entries in name order
    EXPECT_EQ(loaded->services[1].service.name, "pay");
    EXPECT_EQ(loaded->services[2].service.name, "one");
    EXPECT_EQ(loaded->services[0].source_file, (dir.path() / "services.d/a-cart.yaml").string());
}

TEST(Loader, MissingServicePathPointsAtTheListItem) {
    scagent::test::TempDir dir;
    const auto config = dir.write("agent.yaml", "services:\n  - nowhere.d\n");
    EXPECT_EQ(load_problems(config), config + ":2:5: services[0]: '" +
                                         (dir.path() / "nowhere.d").string() +
                                         "' does not exist\n");
}

TEST(Loader, EveryBrokenDescriptorIsReported) {
    scagent::test::TempDir dir;
    const auto bad1 = dir.write("services.d/a.yaml", "servicecomb:\n  service:\n    name: a\n");
    const auto bad2 = dir.write("services.d/b.yaml", "servicecomb: [\n");
    dir.write("services.d/c.yaml", kCart);
    const auto config = dir.write("agent.yaml", "services: [services.d]\n");
    EXPECT_EQ(load_problems(config),
              bad1 + ":2:3: servicecomb.service.version: required key is missing\n" + bad2 +
                  ":2:1: invalid YAML: end of sequence flow not found\n");
}

TEST(Loader, TheSameServiceTwiceIsAnError) {
    scagent::test::TempDir dir;
    const auto first = dir.write("services.d/a.yaml", kCart);
    const auto second = dir.write("services.d/b.yaml", kCart);
    const auto config = dir.write("agent.yaml", "services: [services.d]\n");
    EXPECT_EQ(load_problems(config),
              second +
                  ":1:1: servicecomb.service: the same service (default/cart/1.0.0/) is "
                  "already described by " +
                  first + "\n");
}

TEST(Loader, BundledExamplesLoadWithoutDiagnostics) {
    const std::string examples = scagent::test::source_dir() + "/config/examples/";
    for (const char* name : {"agent.yaml", "dev-agent.yaml"}) {
        Diagnostics diagnostics;
        const auto loaded = load_config(examples + name, diagnostics);
        EXPECT_EQ(diagnostics.to_string(), "") << name;
        ASSERT_TRUE(loaded) << name;
        EXPECT_EQ(loaded->services.size(), 2u) << name;
    }
}

}  // namespace
}  // namespace scagent::config
