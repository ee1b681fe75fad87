#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace scagent::plugins::servicecomb {

/// A password or token. It has no implicit conversion and prints as "<redacted>", so it cannot
/// reach a log line or a test failure message by accident; reveal() marks the few places that
/// put it on the wire.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}

    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    void clear() noexcept { value_.clear(); }

    friend bool operator==(const Secret&, const Secret&) = default;
    friend std::ostream& operator<<(std::ostream& out, const Secret&) {
        return out << "<redacted>";
    }

  private:
    std::string value_;
};

}  // namespace scagent::plugins::servicecomb
