// What the proxy's integration tests share: a provider on its own thread, and an agent with
// local service "cart" calling providers registered in the embedded dev registry.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tests/support/agent_config.hpp"
#include "tests/support/agent_runner.hpp"
#include "tests/support/fake_http_server.hpp"
#include "tests/support/registry_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace scagent::test {

using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;

/// A provider's HTTP server on its own thread; remembers the last request it saw.
class Upstream {
  public:
    explicit Upstream(std::function<FakeReply(const FakeRequest&)> handler)
        : server_(ioc_,
                  [this, handler = std::move(handler)](const FakeRequest& request) {
                      std::lock_guard lock(mutex_);
                      last_ = request;
                      return handler(request);
                  }),
          thread_([this] { ioc_.run(); }) {}
    /// Answers 200 with `name` as the body.
    static std::unique_ptr<Upstream> named(const std::string& name) {
        return std::make_unique<Upstream>([name](const FakeRequest&) {
            FakeReply reply;
            reply.body = name;
            return reply;
        });
    }
    ~Upstream() { kill(); }
    /// Stops serving (open connections are cut) and joins the server's thread, so requests() is
    /// final from then on. Idempotent.
    void kill() {
        if (thread_.joinable()) {
            boost::asio::post(ioc_, [this] { server_.stop(); });
            thread_.join();
        }
    }

    std::uint16_t port() const { return server_.port(); }
    int accepted() const { return server_.accepted(); }
    /// Closes the keep-alive connections waiting for a next request (on the server's thread).
    void close_idle() {
        std::promise<void> done;
        boost::asio::post(ioc_, [&] {
            server_.close_idle_connections();
            done.set_value();
        });
        done.get_future().wait();
    }
    int requests() const { return server_.requests(); }
    FakeRequest last() {
        std::lock_guard lock(mutex_);
        return last_;
    }

  private:
    boost::asio::io_context ioc_{1};
    std::mutex mutex_;
    FakeRequest last_;
    FakeHttpServer server_;
    std::thread thread_;
};

class ProxyTest : public ::testing::Test {
  protected:
    TempDir dir;
    RegistryRunner registry{Kie::on};

    /// The agent with local service "cart" (app itest) and any more descriptors written.
    /// `options` e.g. a FakeClock for the policies.
    std::unique_ptr<AgentRunner> start_agent(const std::string& governance = "",
                                             const std::string& extra = "",
                                             app::DaemonOptions options = {}) {
        dir.write("services.d/cart.yaml", descriptor_yaml("cart"));
        AgentYaml yaml;
        yaml.registry = registry.url();
        yaml.registry_extra = "  refresh_interval: 60s\n  watch: true\n";
        if (!governance.empty()) {
            dir.write("governance.yaml", governance);
            yaml.governance_file = "governance.yaml";
        }
        yaml.extra = extra;
        return std::make_unique<AgentRunner>(yaml.write(dir), std::move(options));
    }
};

}  // namespace scagent::test
