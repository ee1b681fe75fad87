#pragma once

#include <string>
#include <vector>

namespace scagent::config {

/// A place in a config file; line and column are 1-based, 0 means "unknown".
struct Location {
    std::string file;
    int line = 0;
    int column = 0;
};

/// One problem found while loading configuration.
struct Diagnostic {
    Location where;
    std::string path;  ///< dotted key path, e.g. "registry.refresh_interval"
    std::string message;

    /// `FILE:LINE:COL: dotted.path: message` (LINE:COL left out when unknown).
    std::string to_string() const;
};

/// Collects every problem of a load so they can be printed all at once.
class Diagnostics {
  public:
    void error(Location where, std::string path, std::string message);
    void append(const Diagnostics& other);

    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    const std::vector<Diagnostic>& items() const { return items_; }

    /// One diagnostic per line, grouped by file (in order of first appearance), then by position.
    std::string to_string() const;

  private:
    std::vector<Diagnostic> items_;
};

}  // namespace scagent::config
