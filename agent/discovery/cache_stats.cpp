#include "agent/discovery/cache_stats.hpp"

#include <map>
#include <string>

namespace scagent::discovery {
namespace {

std::map<std::string, std::string> labels_of(const CacheKey& key) {
    return {{"app", key.app}, {"service", key.service}, {"env", key.env}};
}

}  // namespace

CacheStats::CacheStats(prometheus::Registry& registry)
    : cached_instances_(prometheus::BuildGauge()
                            .Name("sc_agent_cached_instances")
                            .Help("Instances held in the provider cache, per provider")
                            .Register(registry)),
      refreshes_(prometheus::BuildCounter()
                     .Name("sc_agent_cache_refreshes_total")
                     .Help("Provider cache refreshes by result (changed, unchanged, "
                           "not_modified, empty_held, failed)")
                     .Register(registry)),
      age_(prometheus::BuildGauge()
               .Name("sc_agent_cache_age_seconds")
               .Help("Seconds since the registry last confirmed a provider's cached instances")
               .Register(registry)) {}

void CacheStats::record_refresh(std::string_view result) {
    refreshes_.Add({{"result", std::string(result)}}).Increment();
}

void CacheStats::set_entry(const CacheKey& key, std::size_t instances, std::int64_t age_seconds) {
    cached_instances_.Add(labels_of(key)).Set(static_cast<double>(instances));
    set_age(key, age_seconds);
}

void CacheStats::set_age(const CacheKey& key, std::int64_t age_seconds) {
    age_.Add(labels_of(key)).Set(static_cast<double>(age_seconds));
}

void CacheStats::remove_entry(const CacheKey& key) {
    auto labels = labels_of(key);
    // Add() returns the existing series for these labels; Remove() then forgets it.
    cached_instances_.Remove(&cached_instances_.Add(labels));
    age_.Remove(&age_.Add(labels));
}

}  // namespace scagent::discovery
