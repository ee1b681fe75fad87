#include "plugins/discovery/instance_filter.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace scagent::plugins::discovery {
namespace {

constexpr std::array<std::string_view, 5> kStatuses = {"UP", "DOWN", "STARTING", "TESTING",
                                                       "OUTOFSERVICE"};

std::vector<std::string_view> split_commas(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (true) {
        std::size_t comma = text.find(',', pos);
        parts.push_back(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
        if (comma == std::string_view::npos) {
            return parts;
        }
        pos = comma + 1;
    }
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

}  // namespace

bool TagFilter::accepts(const Instance& instance) const noexcept {
    for (const Tag& tag : tags) {
        auto found = instance.properties.find(tag.key);
        if (found == instance.properties.end()) {
            return false;
        }
        if (!tag.any_value && found->second != tag.value) {
            return false;
        }
    }
    return true;
}

TagFilterOrError parse_tag_filter(std::string_view text) {
    TagFilterOrError out;
    if (text.empty()) {
        return out;
    }
    for (std::string_view part : split_commas(text)) {
        TagFilter::Tag tag;
        std::size_t colon = part.find(':');
        tag.key = std::string(part.substr(0, colon));
        if (colon == std::string_view::npos) {
            tag.any_value = true;
        } else {
            tag.value = std::string(part.substr(colon + 1));
        }
        if (tag.key.empty()) {
            out.error = "invalid tag \"" + std::string(part) +
                        "\": expected key:value or key, comma-separated (e.g. zone:az1,canary)";
            out.filter.tags.clear();
            return out;
        }
        out.filter.tags.push_back(std::move(tag));
    }
    return out;
}

bool StatusFilter::accepts(const Instance& instance) const noexcept {
    return statuses.empty() ||
           std::find(statuses.begin(), statuses.end(), instance.status) != statuses.end();
}

StatusFilterOrError parse_status_filter(std::string_view text) {
    StatusFilterOrError out;
    if (text.empty()) {
        return out;
    }
    std::string all = upper(text);
    if (all == "ANY") {
        out.filter.statuses.clear();
        return out;
    }
    out.filter.statuses.clear();
    for (std::string_view part : split_commas(all)) {
        if (std::find(kStatuses.begin(), kStatuses.end(), part) == kStatuses.end()) {
            out.error = "invalid status \"" + std::string(part) +
                        "\": expected UP, DOWN, STARTING, TESTING, OUTOFSERVICE (comma-separated) "
                        "or ANY";
            out.filter.statuses = {"UP"};
            return out;
        }
        out.filter.statuses.emplace_back(part);
    }
    return out;
}

std::vector<const Instance*> filter_instances(const InstanceSet& set,
                                              const InstanceFilter& filter) {
    std::vector<const Instance*> kept;
    kept.reserve(set.instances.size());
    for (const Instance& instance : set.instances) {
        if (filter.status.accepts(instance) && filter.tags.accepts(instance)) {
            kept.push_back(&instance);
        }
    }
    std::optional<Version> latest;
    if (filter.version.kind() == VersionRule::Kind::kLatest) {
        latest = latest_of(kept);
    }
    if (filter.version.kind() != VersionRule::Kind::kAll) {
        std::erase_if(kept, [&](const Instance* instance) {
            return !filter.version.accepts(instance->version, latest);
        });
    }
    return kept;
}

}  // namespace scagent::plugins::discovery
