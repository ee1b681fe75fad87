#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scagent::plugins::governance {

/// Every governance duration; ISO-8601 allows nanosecond fractions.
using Duration = std::chrono::nanoseconds;

/// One diagnostic about one item. `line`/`column` are 1-based; 0 means "no position".
struct ItemError {
    std::string path;
    int line = 0;
    int column = 0;
    std::string message;

    /// `<key>:<line>:<col>: <path>: <message>`; the parts that are empty are left out.
    std::string render(std::string_view key) const;
};

using ItemErrors = std::vector<ItemError>;

/// One `name` or `name:version` entry of a `services` filter.
struct ServiceRef {
    std::string name;
    std::string version;  // empty: any version

    bool operator==(const ServiceRef&) const = default;
};

/// The comma-separated `services` field: which local services an item applies to.
struct ServiceFilter {
    std::vector<ServiceRef> entries;  // empty: every service

    static ServiceFilter parse(std::string_view text);
    bool admits(std::string_view name, std::string_view version) const;
    std::string to_string() const;
    bool operator==(const ServiceFilter&) const = default;
};

/// Fields every policy and matchGroup share.
struct PolicyMeta {
    std::string name;
    int order = 0;
    ServiceFilter services;

    bool operator==(const PolicyMeta&) const = default;
};

/// What one attempt against a provider produced; fed to retry, breaker, isolation and LB.
struct CallOutcome {
    std::optional<int> status;     // HTTP status when a response arrived
    bool transport_error = false;  // connect/reset/timeout: no usable response
    Duration latency{};
};

/// True when `status` is listed as "503" or covered by a class entry such as "5xx".
bool status_listed(const std::vector<std::string>& list, int status) noexcept;

/// Shortest round-trip text for a double, for error messages ("0.5", "101").
std::string format_number(double value);

}  // namespace scagent::plugins::governance
