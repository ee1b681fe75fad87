#pragma once

#include <string>
#include <string_view>

namespace scagent::plugins::servicecomb {

/// Percent-encodes everything but RFC 3986 unreserved characters, so an id or name can never
/// add a path segment ("/"), a query ("?") or a fragment.
std::string escape_path_segment(std::string_view segment);

/// Percent-encodes a query key or value. Keeps ':' ',' '/' '@' readable (legal in a query and
/// used by kie labels "k:v" and SC tags "a,b"); encodes '+' because Go servers decode it as a
/// space, and '&' '=' '#' '%' because they delimit.
std::string escape_query_value(std::string_view value);

/// Builds "?k=v&k2=v2" incrementally; empty until the first add().
class QueryString {
  public:
    QueryString& add(std::string_view key, std::string_view value);
    /// Adds only when value is not empty (SC treats an empty parameter as absent anyway).
    QueryString& add_if(std::string_view key, std::string_view value);
    const std::string& str() const noexcept { return text_; }

  private:
    std::string text_;
};

}  // namespace scagent::plugins::servicecomb
