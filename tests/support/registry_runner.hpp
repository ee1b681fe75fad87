#pragma once

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "agent/dev_registry/dev_registry.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::test {

using OrderedJson = nlohmann::ordered_json;

inline constexpr const char* kTenant = "default/default";

/// Whether a RegistryRunner also serves kie (the config center).
enum class Kie { off, on };

/// The embedded dev registry on 127.0.0.1:0 (and kie on its own 127.0.0.1:0 when asked), on its
/// own io_context thread; stoppable and restartable on the same ports with empty state.
/// `config`'s listen addresses are replaced; its other fields (auth, sweep, grace) are kept.
class RegistryRunner {
  public:
    explicit RegistryRunner(Kie kie = Kie::off, dev_registry::DevRegistryConfig config = defaults(),
                            plugins::Clock& clock = plugins::system_clock());
    ~RegistryRunner();
    RegistryRunner(const RegistryRunner&) = delete;
    RegistryRunner& operator=(const RegistryRunner&) = delete;

    /// A short stop grace, so that stopping the registry in a test does not wait 2 s.
    static dev_registry::DevRegistryConfig defaults();

    void start();
    void stop();
    /// Restarted with empty state on the same ports.
    void restart();

    dev_registry::DevRegistry& registry() { return *registry_; }
    dev_registry::RegistryStore& store() { return registry_->store(); }
    dev_registry::KieStore& kie() { return registry_->kie(); }
    std::uint16_t port() const { return sc_port_; }
    /// Creates an enabled text KV in kie (the agent's governance dimension `labels`); its id.
    /// Throws when kie refuses.
    std::string put_kie(const std::string& key, const std::string& value,
                        const nlohmann::json& labels);
    std::uint16_t kie_port() const { return kie_port_; }
    /// Still valid once the registry has stopped (same port on restart).
    std::string url() const { return "http://127.0.0.1:" + std::to_string(sc_port_); }
    std::string kie_url() const { return "http://127.0.0.1:" + std::to_string(kie_port_); }

    /// The service document named `name`, if the registry holds one.
    std::optional<OrderedJson> service(const std::string& name);
    /// The instances of service `name` (empty when the service is missing).
    OrderedJson instances(const std::string& name);
    /// The single instance of `name`, if there is exactly one.
    std::optional<OrderedJson> instance(const std::string& name);
    /// The status of the single instance of `name`, or "".
    std::string status_of(const std::string& name);

    /// A service of app itest in environment testing created straight in the registry (not
    /// through an agent); its id. Throws when the registry refuses.
    std::string create_service(const std::string& name, const std::string& version = "1.0.0");
    /// An UP instance of `service_id` on 127.0.0.1:`port`; its id. Throws when refused.
    std::string add_instance(const std::string& service_id, int port,
                             const nlohmann::json& properties = nlohmann::json::object());

  private:
    dev_registry::DevRegistryConfig config_;
    plugins::Clock& clock_;
    std::unique_ptr<boost::asio::io_context> ioc_;
    std::unique_ptr<dev_registry::DevRegistry> registry_;
    std::thread thread_;
    std::uint16_t sc_port_ = 0;
    std::uint16_t kie_port_ = 0;
};

}  // namespace scagent::test
