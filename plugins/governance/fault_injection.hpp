#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "plugins/governance/common.hpp"

namespace scagent::plugins::governance {

enum class FaultType { kDelay, kAbort };

/// `servicecomb.faultInjection.<name>` (spec §4.3).
struct FaultInjectionConfig {
    PolicyMeta meta;
    FaultType type = FaultType::kDelay;
    std::optional<Duration> delay_time;  // required for delay
    int percentage = -1;                 // required: the default -1 is invalid
    int error_code = 500;
    bool force_closed = false;
    std::string fallback_type = "ThrowException";

    bool operator==(const FaultInjectionConfig&) const = default;
};

std::shared_ptr<const FaultInjectionConfig> parse_fault_injection(const YAML::Node& root,
                                                                  std::string name,
                                                                  ItemErrors& errors);

enum class FaultAction { kNone, kDelay, kAbort };

struct FaultDecision {
    FaultAction action = FaultAction::kNone;
    Duration delay{};
    int error_code = 0;
};

/// Decides per request, deterministically: request n (1-based) is hit exactly when
/// floor(n * percentage / 100) increases, so 25% hits requests 4, 8, 12, ... Lock-free.
class FaultInjector {
  public:
    explicit FaultInjector(std::shared_ptr<const FaultInjectionConfig> config)
        : config_(std::move(config)) {}

    FaultDecision next() noexcept;
    const FaultInjectionConfig& config() const noexcept { return *config_; }

  private:
    std::shared_ptr<const FaultInjectionConfig> config_;
    std::atomic<std::uint64_t> requests_{0};
};

}  // namespace scagent::plugins::governance
