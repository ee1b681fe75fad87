#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

/// `servicecomb.bulkhead.<name>` (spec §4.3): a concurrency limit, not a breaker.
struct BulkheadConfig {
    PolicyMeta meta;
    int max_concurrent_calls = 1000;
    Duration max_wait_duration{};

    bool operator==(const BulkheadConfig&) const = default;
};

std::shared_ptr<const BulkheadConfig> parse_bulkhead(const YAML::Node& root, std::string name,
                                                     ItemErrors& errors);

/// One admitted call; gives its slot back when destroyed. Safe to outlive the Bulkhead.
class BulkheadPermit {
  public:
    explicit BulkheadPermit(std::shared_ptr<std::atomic<int>> in_flight)
        : in_flight_(std::move(in_flight)) {}
    BulkheadPermit(BulkheadPermit&& other) noexcept = default;
    BulkheadPermit& operator=(BulkheadPermit&& other) noexcept;
    BulkheadPermit(const BulkheadPermit&) = delete;
    BulkheadPermit& operator=(const BulkheadPermit&) = delete;
    ~BulkheadPermit() { reset(); }

    void reset() noexcept;

  private:
    std::shared_ptr<std::atomic<int>> in_flight_;
};

enum class BulkheadAnswer {
    kAdmitted,
    kWait,      // full: the caller may wait up to `wait_up_to` for a slot and try again
    kRejected,  // full and no waiting allowed
};

struct BulkheadDecision {
    BulkheadAnswer answer = BulkheadAnswer::kRejected;
    std::optional<BulkheadPermit> permit;  // set iff kAdmitted
    Duration wait_up_to{};
};

/// Counts calls in flight for one bulkhead policy; lock-free and never blocks.
class Bulkhead {
  public:
    explicit Bulkhead(std::shared_ptr<const BulkheadConfig> config)
        : config_(std::move(config)), in_flight_(std::make_shared<std::atomic<int>>(0)) {}

    BulkheadDecision try_acquire() noexcept;
    int in_flight() const noexcept { return in_flight_->load(); }
    const BulkheadConfig& config() const noexcept { return *config_; }

  private:
    std::shared_ptr<const BulkheadConfig> config_;
    std::shared_ptr<std::atomic<int>> in_flight_;
};

}  // namespace scagent::plugins::governance
