#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugins/api/instance.hpp"
#include "plugins/discovery/version_rule.hpp"

namespace scagent::plugins::discovery {

/// `tags=k:v,k2:v2`: every listed instance property must be present with that value; a bare `k`
/// only requires the property to exist. Values may contain ':' (the first one separates).
struct TagFilter {
    struct Tag {
        std::string key;
        std::string value;
        bool any_value = false;  ///< bare `k`
    };
    std::vector<Tag> tags;

    bool accepts(const Instance& instance) const noexcept;
};

struct TagFilterOrError {
    TagFilter filter;
    std::string error;  ///< set iff rejected
};

TagFilterOrError parse_tag_filter(std::string_view text);

/// `status=UP` (the default), a comma list such as `UP,STARTING`, or `ANY`.
struct StatusFilter {
    std::vector<std::string> statuses{"UP"};  ///< empty = any status

    bool accepts(const Instance& instance) const noexcept;
};

struct StatusFilterOrError {
    StatusFilter filter;
    std::string error;  ///< set iff rejected
};

/// Accepts the five instance statuses (case-insensitive, answered upper-case) or `ANY`.
StatusFilterOrError parse_status_filter(std::string_view text);

/// All three filters of the discovery API. Order matters only for `latest`: it means the highest
/// version among the instances that pass the status and tag filters, so a rolling deploy whose new
/// instances are still STARTING keeps serving the previous version instead of nothing.
struct InstanceFilter {
    VersionRule version;
    TagFilter tags;
    StatusFilter status;
};

/// The instances of `set` that pass `filter`, in the set's order; pointers into `set`.
std::vector<const Instance*> filter_instances(const InstanceSet& set, const InstanceFilter& filter);

}  // namespace scagent::plugins::discovery
