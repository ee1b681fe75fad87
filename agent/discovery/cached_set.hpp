#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/api/clock.hpp"
#include "plugins/api/instance.hpp"

namespace scagent::discovery {

/// One cache entry per provider as the registry finds it: (appId, serviceName, environment).
struct CacheKey {
    std::string app;
    std::string service;
    std::string env;

    auto operator<=>(const CacheKey&) const = default;
    /// "app/service" or "app/service@env", for logs and error messages.
    std::string to_string() const;
};

/// Where the data of an answer came from: the last refresh succeeded (live), the registry is
/// failing and an older answer is served (cache), or it was loaded from the disk snapshot at
/// start and the registry has not answered since (disk).
enum class Source { kLive, kCache, kDisk };
std::string_view to_string(Source source) noexcept;

struct DataCenterInfo {
    std::string name;
    std::string region;
    std::string available_zone;

    bool operator==(const DataCenterInfo&) const = default;
};

/// What a refresh brought back from the registry for one key.
struct LiveResult {
    /// false when the registry says there is no such service (400012).
    bool service_found = true;
    std::vector<plugins::Instance> instances;
    /// Empty, or one per instance in the same order.
    std::vector<DataCenterInfo> data_centers;
    /// The registry's X-Resource-Revision (opaque; compared for equality only).
    std::string revision;
};

/// Every instance of a set as compact local-API JSON, in one buffer. One allocation per set (a
/// big one gets its own mapping and goes back to the kernel when the set is replaced) instead of
/// one string per instance, whose headers, slack and heap holes cost more than the text in a
/// 10k-instance cache (bench/cache/memory.py).
class RenderedInstances {
  public:
    void reserve(std::size_t instances) { ends_.reserve(instances); }
    void append(std::string_view json) {
        text_ += json;
        ends_.push_back(text_.size());
    }
    /// Call once every instance is in: drops the slack the buffer grew by.
    void shrink_to_fit() { text_.shrink_to_fit(); }
    std::size_t size() const noexcept { return ends_.size(); }
    std::string_view operator[](std::size_t position) const noexcept {
        const std::size_t begin = position == 0 ? 0 : ends_[position - 1];
        return std::string_view(text_).substr(begin, ends_[position] - begin);
    }

  private:
    std::string text_;
    std::vector<std::size_t> ends_;
};

/// An immutable answer for one key. Published as CachedSetPtr and never mutated afterwards, so
/// any number of threads may read it without a lock while a writer publishes its successor.
struct CachedSet {
    CacheKey key;
    /// Never null. Instances are sorted by instance_id so that a registry returning the same set
    /// in another order is not a change. set->revision equals `index`.
    plugins::InstanceSetPtr set;
    /// Same size and order as set->instances.
    std::vector<DataCenterInfo> data_centers;
    /// Each instance as compact local-API JSON (instance_to_json), same order as set->instances.
    /// Rendered once when the content changes, so an answer only concatenates strings; shared by
    /// the successors that only change source or age. Null only in sets built by hand (tests).
    std::shared_ptr<const RenderedInstances> rendered;
    std::string revision;
    Source source = Source::kLive;
    bool service_found = true;
    /// When the registry last confirmed this content (injected monotonic clock).
    plugins::Clock::TimePoint fetched_at{};
    /// Process-local, strictly increasing across the whole cache; changes exactly when the
    /// content (instances, data centers, found) changes. Blocking queries compare it.
    std::uint64_t index = 0;

    /// Whole seconds since fetched_at, never negative.
    std::int64_t age_seconds(plugins::Clock::TimePoint now) const noexcept;
};

using CachedSetPtr = std::shared_ptr<const CachedSet>;

}  // namespace scagent::discovery
