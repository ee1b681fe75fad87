#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "agent/dev_registry/errors.hpp"
#include "agent/dev_registry/json_fields.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::dev_registry {

struct RegistryStoreOptions {
    std::string self_version = "2.2.0";            ///< SERVICECENTER's version (SC build version)
    std::string self_environment = "development";  ///< SC's dev profile
    std::chrono::seconds instance_ttl{0};          ///< > 0 replaces every computed TTL
    std::size_t max_services = 50'000;             ///< quota.cap of SC
    std::size_t max_instances = 150'000;
};

/// A watch frame for one consumer, keyed "domain/project|serviceId" (spec §1.4.11).
using WatchSink = std::function<void(const std::string& consumer_key, const std::string& frame)>;

/// "domain/project|serviceId": how the store and the watch hub name a consumer.
inline std::string consumer_key(const std::string& tenant, const std::string& sid) {
    return tenant + "|" + sid;
}

/// The in-memory service center: services, instances, leases, dependencies, revisions.
///
/// Invariants:
///  1. An instance exists only under an existing service; a lease past its deadline is treated
///     as gone by every operation (each one sweeps first), so a client never sees a dead lease.
///  2. Every create/update/delete of an instance bumps `mod_counter_` into the instance's
///     mod_rev (or removes it), so the find revision of any result set changes; heartbeats
///     never touch mod_rev.
/// Thread-safety: every public method locks `mutex_`; the sink is called under it and must
/// only enqueue.
class RegistryStore {
  public:
    struct Found {
        OrderedJson instances = OrderedJson::array();
        std::string revision;
    };
    struct FindQuery {
        std::string app;
        std::string name;
        std::string env;
        std::string consumer_id;  ///< X-ConsumerId, may be empty
        std::vector<std::string> tags;
    };

    RegistryStore(plugins::Clock& clock, RegistryStoreOptions options, WatchSink sink);

    /// Registers SERVICECENTER in default/default with one instance at `endpoint`.
    void register_self(const std::string& endpoint);

    Result<std::string> create_service(const std::string& tenant, const Json& body);
    Result<std::string> exist_service(const std::string& tenant, const std::string& env,
                                      const std::string& app, const std::string& name,
                                      const std::string& version);
    Result<OrderedJson> get_service(const std::string& tenant, const std::string& sid);
    OrderedJson list_services(const std::string& tenant);
    Result<Unit> delete_service(const std::string& tenant, const std::string& sid, bool force);
    Result<Unit> put_service_properties(const std::string& tenant, const std::string& sid,
                                        const Json& body);
    bool service_exists(const std::string& tenant, const std::string& sid);

    Result<std::string> register_instance(const std::string& tenant, const std::string& sid,
                                          const Json& body);
    Result<Unit> heartbeat(const std::string& tenant, const std::string& sid,
                           const std::string& iid);
    Result<OrderedJson> heartbeat_many(const std::string& tenant, const Json& body);
    Result<Unit> deregister(const std::string& tenant, const std::string& sid,
                            const std::string& iid);
    Result<Unit> set_status(const std::string& tenant, const std::string& sid,
                            const std::string& iid, const std::string& status);
    Result<Unit> put_instance_properties(const std::string& tenant, const std::string& sid,
                                         const std::string& iid, const Json& body);

    Result<Found> find(const std::string& tenant, const FindQuery& query);
    Result<Found> get_instances(const std::string& tenant, const std::string& sid,
                                const std::string& consumer_id);
    Result<Found> get_instance(const std::string& tenant, const std::string& sid,
                               const std::string& iid, const std::string& consumer_id);
    Result<OrderedJson> batch_find(const std::string& tenant, const std::string& consumer_id,
                                   const Json& body);
    Result<OrderedJson> providers(const std::string& tenant, const std::string& consumer_id);

    /// Removes every instance whose lease has passed; returns how many went.
    std::size_t sweep();
    /// SERVICECENTER's own instances, for /registry/health.
    OrderedJson self_instances();
    std::string self_service_id() const { return self_service_id_; }
    std::size_t instance_count();

  private:
    struct Instance {
        OrderedJson doc;
        plugins::Clock::Duration ttl{};
        plugins::Clock::TimePoint expires_at{};
        std::uint64_t mod_rev = 0;
    };
    struct Service {
        std::string tenant;
        OrderedJson doc;
        std::map<std::string, std::string> tags;
        std::map<std::string, Instance> instances;
        std::uint64_t created = 0;  // insertion order, for stable listings
    };
    /// (env, app, name): what a consumer depends on.
    using DependencyKey = std::tuple<std::string, std::string, std::string>;

    Service* find_service(const std::string& tenant, const std::string& sid);
    /// One instance with its service, after expired leases are swept; both null when either
    /// does not exist. Under mutex_.
    struct InstanceRef {
        Service* service = nullptr;
        Instance* instance = nullptr;
    };
    InstanceRef find_instance_locked(const std::string& tenant, const std::string& sid,
                                     const std::string& iid);
    std::vector<Service*> match_services(const std::string& tenant, const std::string& env,
                                         const std::string& app, const std::string& name);
    Result<std::string> register_instance_locked(Service& service, const Json& body);
    Result<Found> find_locked(const std::string& tenant, const FindQuery& query);
    Result<Found> get_instances_locked(const std::string& tenant, const std::string& sid,
                                       const std::string& iid, const std::string& consumer_id);
    void sweep_locked();
    void remove_instance_locked(Service& service, const std::string& iid, const char* action);
    void emit_locked(const Service& service, const OrderedJson& instance, const char* action);
    std::string revision_of(const std::vector<const Instance*>& instances) const;
    std::string index_key(const std::string& tenant, const OrderedJson& doc) const;
    static bool is_global(const std::string& app, const std::string& name);
    bool allowed(const Service& consumer, const Service& provider) const;

    plugins::Clock& clock_;
    const RegistryStoreOptions options_;
    const WatchSink sink_;
    std::mutex mutex_;
    std::map<std::string, Service> services_;   // by serviceId (ids are global in SC)
    std::map<std::string, std::string> index_;  // index key -> serviceId
    std::map<std::string, std::set<DependencyKey>> dependencies_;  // tenant/consumerId -> keys
    std::uint64_t mod_counter_ = 0;
    std::uint64_t created_counter_ = 0;
    std::size_t instance_total_ = 0;
    std::string self_service_id_;
};

}  // namespace scagent::dev_registry
