#include "config/agent_config.hpp"

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace scagent::config {
namespace {

using namespace std::chrono_literals;
using test::load_text;

TEST(AgentConfig, EmptyFileTakesEveryDefault) {
    const auto outcome = load_text("services: []\n");
    ASSERT_EQ(outcome.diagnostics, "");
    const AgentConfig& agent = outcome.config->agent;
    EXPECT_EQ(agent.registry.addresses, std::vector<std::string>{"http://127.0.0.1:30100"});
    EXPECT_EQ(agent.registry.project, "default");
    EXPECT_EQ(agent.registry.domain, "default");
    EXPECT_EQ(agent.registry.auth.username, "");
    EXPECT_TRUE(agent.registry.auth.password.empty());
    EXPECT_TRUE(agent.registry.tls.verify);
    EXPECT_EQ(agent.registry.refresh_interval, 30s);
    EXPECT_TRUE(agent.registry.watch);
    EXPECT_EQ(agent.config_center.addresses, std::vector<std::string>{"http://127.0.0.1:30110"});
    EXPECT_EQ(agent.governance_file, "");
    EXPECT_EQ(agent.listen.proxy, "127.0.0.1:30101");
    EXPECT_EQ(agent.listen.api, "127.0.0.1:30102");
    EXPECT_EQ(agent.listen.metrics, "");
    EXPECT_EQ(agent.cache.snapshot_path, "/var/lib/sc-agent/cache.json");
    EXPECT_EQ(agent.drain.delay, 5s);
    EXPECT_EQ(agent.drain.timeout, 30s);
    EXPECT_EQ(agent.log.level, "info");
    EXPECT_EQ(agent.log.format, LogFormat::kText);
    EXPECT_EQ(agent.threads, 1);
}

TEST(AgentConfig, DefaultServicesDirectoryMustExist) {
    EXPECT_EQ(load_text("threads: 1\n").diagnostics,
              "agent.yaml: services[0]: '/etc/sc-agent/services.d' does not exist\n");
}

TEST(AgentConfig, ReadsEveryKey) {
    const auto outcome = load_text(R"(registry:
  addresses: [https://sc-1:30100, https://sc-2:30100]
  project: p1
  domain: d1
  auth: {username: admin, password: s3cret}
  tls: {ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, verify: false}
  refresh_interval: 1m30s
  watch: false
config_center: {addresses: []}
services: []
governance_file: /etc/sc-agent/governance.yaml
listen: {proxy: "127.0.0.1:1", api: "[::1]:2", metrics: "0.0.0.0:9100"}
cache: {snapshot_path: ""}
drain: {delay: 0s, timeout: 1s}
log: {level: debug, format: json}
threads: 4
)");
    ASSERT_EQ(outcome.diagnostics, "");
    const AgentConfig& agent = outcome.config->agent;
    EXPECT_EQ(agent.registry.addresses,
              (std::vector<std::string>{"https://sc-1:30100", "https://sc-2:30100"}));
    EXPECT_EQ(agent.registry.project, "p1");
    EXPECT_EQ(agent.registry.domain, "d1");
    EXPECT_EQ(agent.registry.auth.username, "admin");
    EXPECT_EQ(agent.registry.auth.password.reveal(), "s3cret");
    EXPECT_EQ(agent.registry.tls.ca_file, "/ca.pem");
    EXPECT_EQ(agent.registry.tls.cert_file, "/c.pem");
    EXPECT_EQ(agent.registry.tls.key_file, "/k.pem");
    EXPECT_FALSE(agent.registry.tls.verify);
    EXPECT_EQ(agent.registry.refresh_interval, 90s);
    EXPECT_FALSE(agent.registry.watch);
    EXPECT_TRUE(agent.config_center.addresses.empty());
    EXPECT_EQ(agent.governance_file, "/etc/sc-agent/governance.yaml");
    EXPECT_EQ(agent.listen.proxy, "127.0.0.1:1");
    EXPECT_EQ(agent.listen.api, "[::1]:2");
    EXPECT_EQ(agent.listen.metrics, "0.0.0.0:9100");
    EXPECT_EQ(agent.cache.snapshot_path, "");
    EXPECT_EQ(agent.drain.delay, 0s);
    EXPECT_EQ(agent.drain.timeout, 1s);
    EXPECT_EQ(agent.log.level, "debug");
    EXPECT_EQ(agent.log.format, LogFormat::kJson);
    EXPECT_EQ(agent.threads, 4);
}

TEST(AgentConfig, ThreeProblemsAreReportedTogetherInFileOrder) {
    const auto outcome = load_text(R"(registry:
  refresh_intervall: 10s
  watch: true
log:
  level: info
  level: debug
drain:
  delay: 5sec
services: []
)");
    EXPECT_FALSE(outcome.config);
    EXPECT_EQ(outcome.diagnostics,
              "agent.yaml:2:3: registry.refresh_intervall: unknown key (did you mean "
              "'refresh_interval'?)\n"
              "agent.yaml:6:3: log.level: duplicate key (first defined at line 5)\n"
              "agent.yaml:8:10: drain.delay: unknown unit 'sec' in duration '5sec'; use ms, s, m "
              "or h\n");
}

TEST(AgentConfig, WrongTypesNameTheExpectation) {
    EXPECT_EQ(load_text("services: []\nthreads: many\n").diagnostics,
              "agent.yaml:2:10: threads: expected an integer, found 'many'\n");
    EXPECT_EQ(load_text("services: []\nregistry: 5\n").diagnostics,
              "agent.yaml:2:11: registry: expected a mapping, found a scalar\n");
    EXPECT_EQ(load_text("services: []\nregistry: {watch: yes}\n").diagnostics,
              "agent.yaml:2:19: registry.watch: expected true or false, found 'yes'\n");
    EXPECT_EQ(load_text("services: []\nregistry: {addresses: http://x}\n").diagnostics,
              "agent.yaml:2:23: registry.addresses: expected a list, found a scalar\n");
    EXPECT_EQ(load_text("services: []\nlisten: {api: [a]}\n").diagnostics,
              "agent.yaml:2:15: listen.api: expected a single value, found a list\n");
    EXPECT_EQ(load_text("- a\n").diagnostics, "agent.yaml:1:1: expected a mapping, found a list\n");
}

TEST(AgentConfig, KeysMustBePlainText) {
    EXPECT_EQ(load_text("services: []\nlog: {[a]: 1}\n").diagnostics,
              "agent.yaml:2:7: log: keys must be plain text\n");
}

TEST(AgentConfig, RangesAreEnforcedNeverClamped) {
    EXPECT_EQ(load_text("services: []\nthreads: 0\n").diagnostics,
              "agent.yaml:2:10: threads: must be between 1 and 64, found 0\n");
    EXPECT_EQ(load_text("services: []\nthreads: 99999999999\n").diagnostics,
              "agent.yaml:2:10: threads: integer '99999999999' is out of range\n");
    EXPECT_EQ(load_text("services: []\nregistry: {refresh_interval: 500ms}\n").diagnostics,
              "agent.yaml:2:30: registry.refresh_interval: must be between 1s and 1h, found "
              "500ms\n");
    EXPECT_EQ(load_text("services: []\ndrain: {delay: 11m}\n").diagnostics,
              "agent.yaml:2:16: drain.delay: must be between 0ms and 10m, found 11m\n");
    EXPECT_EQ(load_text("services: []\ndrain: {timeout: 0s}\n").diagnostics,
              "agent.yaml:2:18: drain.timeout: must be between 1s and 10m, found 0ms\n");
    // Overflowing and negative durations are errors at the field, never wrapped.
    EXPECT_EQ(load_text("services: []\nregistry: {refresh_interval: 3000000000000h}\n").diagnostics,
              "agent.yaml:2:30: registry.refresh_interval: duration '3000000000000h' is too "
              "large\n");
    EXPECT_EQ(load_text("services: []\ndrain: {delay: -5s}\n").diagnostics,
              "agent.yaml:2:16: drain.delay: negative duration '-5s' is not allowed\n");
}

TEST(AgentConfig, HostLessListenAddressesAreAcceptedAndMeanLoopback) {
    // The listeners resolve ":port" to 127.0.0.1 (net::resolve_listen_address).
    const auto outcome =
        load_text("services: []\nlisten: {proxy: ':30101', api: ':30102', metrics: ':9100'}\n");
    ASSERT_EQ(outcome.diagnostics, "");
    EXPECT_EQ(outcome.config->agent.listen.proxy, ":30101");
    EXPECT_EQ(outcome.config->agent.listen.api, ":30102");
    EXPECT_EQ(outcome.config->agent.listen.metrics, ":9100");
}

TEST(AgentConfig, ApiTokenAndAllowedHosts) {
    auto outcome = load_text("services: []\napi: {token: t0k, allowed_hosts: [agent.internal]}\n");
    ASSERT_EQ(outcome.diagnostics, "");
    EXPECT_EQ(outcome.config->agent.api.token.reveal(), "t0k");
    EXPECT_EQ(outcome.config->agent.api.allowed_hosts, std::vector<std::string>{"agent.internal"});
    // The token can stay out of the file.
    outcome = load_text("services: []\n", {{"SC_AGENT_API_TOKEN", "from-env"}});
    ASSERT_EQ(outcome.diagnostics, "");
    EXPECT_EQ(outcome.config->agent.api.token.reveal(), "from-env");
    EXPECT_TRUE(load_text("services: []\n").config->agent.api.token.empty());
    EXPECT_EQ(load_text("services: []\napi: {tokn: x}\n").diagnostics,
              "agent.yaml:2:7: api.tokn: unknown key (did you mean 'token'?)\n");
}

TEST(AgentConfig, LimitsOfTheSpecWithTheirDefaultsAndRanges) {
    auto outcome = load_text("services: []\n");
    ASSERT_EQ(outcome.diagnostics, "");
    EXPECT_EQ(outcome.config->agent.limits.max_connections, 4096);
    EXPECT_EQ(outcome.config->agent.limits.max_watched_services, 1000);
    outcome = load_text("services: []\nlimits: {max_connections: 64, max_watched_services: 5}\n");
    ASSERT_EQ(outcome.diagnostics, "");
    EXPECT_EQ(outcome.config->agent.limits.max_connections, 64);
    EXPECT_EQ(outcome.config->agent.limits.max_watched_services, 5);
    EXPECT_EQ(load_text("services: []\nlimits: {max_watched_services: 0}\n").diagnostics,
              "agent.yaml:2:32: limits.max_watched_services: must be between 1 and 100000, "
              "found 0\n");
    EXPECT_EQ(load_text("services: []\nlimits: {max_conections: 9}\n").diagnostics,
              "agent.yaml:2:10: limits.max_conections: unknown key (did you mean "
              "'max_connections'?)\n");
}

TEST(AgentConfig, ValuesAreValidated) {
    EXPECT_EQ(load_text("services: []\nregistry: {addresses: []}\n").diagnostics,
              "agent.yaml:2:23: registry.addresses: at least one address is needed\n");
    EXPECT_EQ(load_text("services: []\nregistry: {addresses: [sc:30100]}\n").diagnostics,
              "agent.yaml:2:23: registry.addresses: 'sc:30100' must start with http:// or "
              "https://\n");
    EXPECT_EQ(load_text("services: []\nregistry: {project: ''}\n").diagnostics,
              "agent.yaml:2:21: registry.project: must not be empty\n");
    EXPECT_EQ(load_text("services: []\nlisten: {api: localhost}\n").diagnostics,
              "agent.yaml:2:15: listen.api: 'localhost' is not a listen address: use host:port, "
              "e.g. 127.0.0.1:30102\n");
    EXPECT_EQ(load_text("services: []\nlog: {level: verbose, format: xml}\n").diagnostics,
              "agent.yaml:2:14: log.level: 'verbose' is not a log level: use trace, debug, info, "
              "warn, error, critical or off\n"
              "agent.yaml:2:31: log.format: 'xml' is not a log format: use text or json\n");
    EXPECT_EQ(
        load_text("services: []\nconfig_center: {addresses: [x]}\n").diagnostics,
        "agent.yaml:2:28: config_center.addresses: 'x' must start with http:// or https://\n");
}

TEST(AgentConfig, MissingKeysPointAtTheirParent) {
    EXPECT_EQ(load_text("services: []\nregistry:\n  auth:\n    username: admin\n").diagnostics,
              "agent.yaml:3:3: registry.auth.password: required when auth.username is set\n");
    EXPECT_EQ(load_text("services: []\nregistry:\n  tls:\n    cert_file: /c.pem\n").diagnostics,
              "agent.yaml:3:3: registry.tls: cert_file and key_file must be given together\n");
}

TEST(AgentConfig, UnknownSectionsAndKeysEverywhere) {
    EXPECT_EQ(load_text("services: []\nregistri: {}\ncache: {path: x}\n").diagnostics,
              "agent.yaml:2:1: registri: unknown key (did you mean 'registry'?)\n"
              "agent.yaml:3:9: cache.path: unknown key\n");
}

TEST(AgentConfig, SyntaxErrorsAreLocated) {
    EXPECT_EQ(load_text("registry: [1,\n").diagnostics,
              "agent.yaml:2:1: invalid YAML: end of sequence flow not found\n");
}

TEST(AgentConfig, EnvironmentVariablesAreSubstitutedInStrings) {
    const auto outcome = load_text(
        "services: []\nregistry:\n  auth: {username: '${SC_USER}', password: '${SC_PASS}'}\n",
        {{"SC_USER", "admin"}, {"SC_PASS", "from-env"}});
    ASSERT_EQ(outcome.diagnostics, "");
    EXPECT_EQ(outcome.config->agent.registry.auth.username, "admin");
    EXPECT_EQ(outcome.config->agent.registry.auth.password.reveal(), "from-env");

    EXPECT_EQ(load_text("services: []\ngovernance_file: ${NOPE}\n").diagnostics,
              "agent.yaml:2:18: governance_file: environment variable NOPE is not set (write "
              "${NOPE:-default} for a fallback)\n");
}

TEST(AgentConfig, ScAgentVariablesOverrideKeys) {
    const auto outcome =
        load_text("services: []\nregistry: {addresses: [http://file:1]}\nthreads: 2\n",
                  {{"SC_AGENT_REGISTRY_ADDRESSES", "http://a:30100, https://b:30100"},
                   {"SC_AGENT_REGISTRY_REFRESH_INTERVAL", "10s"},
                   {"SC_AGENT_LOG_LEVEL", "debug"},
                   {"SC_AGENT_REGISTRY_AUTH_USERNAME", "u"},
                   {"SC_AGENT_REGISTRY_AUTH_PASSWORD", "p"},
                   {"SC_AGENT_THREADS", "3"}});
    ASSERT_EQ(outcome.diagnostics, "");
    const AgentConfig& agent = outcome.config->agent;
    EXPECT_EQ(agent.registry.addresses,
              (std::vector<std::string>{"http://a:30100", "https://b:30100"}));
    EXPECT_EQ(agent.registry.refresh_interval, 10s);
    EXPECT_EQ(agent.log.level, "debug");
    EXPECT_EQ(agent.registry.auth.username, "u");
    EXPECT_EQ(agent.threads, 3);
}

TEST(AgentConfig, BadOverridesNameTheVariable) {
    EXPECT_EQ(load_text("services: []\n", {{"SC_AGENT_THREADS", "lots"}}).diagnostics,
              "$SC_AGENT_THREADS: threads: expected an integer, found 'lots'\n");
    EXPECT_EQ(load_text("services: []\n", {{"SC_AGENT_DRAIN_DELAY", "5"}}).diagnostics,
              "$SC_AGENT_DRAIN_DELAY: drain.delay: duration '5' has no unit; use ms, s, m or h "
              "(e.g. 30s)\n");
}

TEST(AgentConfig, SecretsNeverPrint) {
    std::ostringstream out;
    out << Secret("hunter2");
    EXPECT_EQ(out.str(), "***");
}

}  // namespace
}  // namespace scagent::config

namespace scagent::config::test {

TEST(AgentConfig, ProxySectionReadsSizesAndDurations) {
    const auto outcome = load_text(
        "services: []\n"
        "log: {access: true}\n"
        "proxy: {max_retry_body: 1MiB, connect_timeout: 250ms, idle_timeout: 10s,\n"
        "        client_idle_timeout: 5s, max_connections_per_instance: 8}\n");
    ASSERT_EQ(outcome.diagnostics, "");
    const auto& agent = outcome.config->agent;
    EXPECT_TRUE(agent.log.access);
    EXPECT_EQ(agent.proxy.max_retry_body, 1024u * 1024u);
    EXPECT_EQ(agent.proxy.connect_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(agent.proxy.idle_timeout, std::chrono::seconds(10));
    EXPECT_EQ(agent.proxy.client_idle_timeout, std::chrono::seconds(5));
    EXPECT_EQ(agent.proxy.max_connections_per_instance, 8);

    const auto defaults = load_text("services: []\n");
    EXPECT_EQ(defaults.config->agent.proxy.max_retry_body, 64u * 1024u);
    EXPECT_EQ(defaults.config->agent.proxy.client_idle_timeout, std::chrono::seconds(60));
    EXPECT_FALSE(defaults.config->agent.log.access);
}

TEST(AgentConfig, ProxySizesAreCheckedWithTheirPlace) {
    EXPECT_EQ(load_text("services: []\nproxy: {max_retry_body: 64 apples}\n").diagnostics,
              "agent.yaml:2:25: proxy.max_retry_body: '64 apples' has an unknown unit: use B, "
              "KiB, MiB or GiB\n");
    EXPECT_EQ(load_text("services: []\nproxy: {max_retry_body: 2GiB}\n").diagnostics,
              "agent.yaml:2:25: proxy.max_retry_body: '2GiB' is larger than 1GiB\n");
    EXPECT_EQ(load_text("services: []\nproxy: {max_connections_per_instance: 0}\n").diagnostics,
              "agent.yaml:2:39: proxy.max_connections_per_instance: must be between 1 and "
              "65536, found 0\n");
}

}  // namespace scagent::config::test
