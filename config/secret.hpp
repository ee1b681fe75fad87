#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace scagent::config {

/// A password or token. It has no implicit conversion to text and prints as "***", so it cannot
/// reach a log line by accident; call reveal() only where the wire needs it.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}

    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    friend bool operator==(const Secret&, const Secret&) = default;

    friend std::ostream& operator<<(std::ostream& out, const Secret& secret) {
        return out << (secret.empty() ? "" : "***");
    }

  private:
    std::string value_;
};

}  // namespace scagent::config
