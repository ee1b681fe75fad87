#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string_view>

#include "agent/discovery/cached_set.hpp"

namespace scagent::discovery {

/// Metrics of the provider cache, declared once on the process registry. Labels are the key's
/// app, service and env (low cardinality: one series per cached provider, none per instance).
/// Thread-safe: prometheus-cpp metrics are atomic and Family::Add/Remove lock internally.
class CacheStats {
  public:
    explicit CacheStats(prometheus::Registry& registry);

    /// `result`: changed | unchanged | not_modified | empty_held | failed.
    void record_refresh(std::string_view result);
    void set_entry(const CacheKey& key, std::size_t instances, std::int64_t age_seconds);
    void set_age(const CacheKey& key, std::int64_t age_seconds);
    void remove_entry(const CacheKey& key);

  private:
    prometheus::Family<prometheus::Gauge>& cached_instances_;
    prometheus::Family<prometheus::Counter>& refreshes_;
    prometheus::Family<prometheus::Gauge>& age_;
};

}  // namespace scagent::discovery
