#pragma once

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scagent::plugins {

/// An instance's properties: a map of strings kept as one sorted vector. The provider cache holds
/// one per instance (10k+ of them); a std::map costs a node allocation (~110 bytes) per entry,
/// this costs one allocation per instance, and lookups (route-rule tags, `tags=` filters) stay
/// logarithmic. Iterates in key order like the map it replaces.
class Properties {
  public:
    using value_type = std::pair<std::string, std::string>;
    using const_iterator = std::vector<value_type>::const_iterator;
    using iterator = const_iterator;  ///< entries are never edited in place through an iterator

    Properties() = default;
    Properties(std::initializer_list<value_type> entries) {
        for (const auto& [key, value] : entries) {
            emplace(key, value);
        }
    }

    const_iterator begin() const noexcept { return entries_.begin(); }
    const_iterator end() const noexcept { return entries_.end(); }
    bool empty() const noexcept { return entries_.empty(); }
    std::size_t size() const noexcept { return entries_.size(); }
    void clear() noexcept { entries_.clear(); }
    void reserve(std::size_t count) { entries_.reserve(count); }
    /// Frees the spare capacity left by growth (the cache keeps instances for a long time).
    void shrink_to_fit() { entries_.shrink_to_fit(); }

    const_iterator find(std::string_view key) const noexcept {
        auto it = lower_bound(key);
        return it != entries_.end() && it->first == key ? it : entries_.end();
    }
    bool contains(std::string_view key) const noexcept { return find(key) != end(); }
    const std::string& at(std::string_view key) const {
        auto it = find(key);
        if (it == end()) {
            throw std::out_of_range("no property " + std::string(key));
        }
        return it->second;
    }

    /// Inserts when `key` is absent (std::map::emplace); true when inserted.
    template <class Key, class Value>
    bool emplace(Key&& key, Value&& value) {
        auto it = lower_bound(key);
        if (it != entries_.end() && it->first == std::string_view(key)) {
            return false;
        }
        entries_.emplace(entries_.begin() + (it - entries_.cbegin()),
                         std::string(std::forward<Key>(key)),
                         std::string(std::forward<Value>(value)));
        return true;
    }
    /// The value of `key`, inserted empty when absent.
    std::string& operator[](std::string_view key) {
        auto it = lower_bound(key);
        auto at = entries_.begin() + (it - entries_.cbegin());
        if (it == entries_.end() || it->first != key) {
            at = entries_.emplace(at, std::string(key), std::string());
        }
        return at->second;
    }

    bool operator==(const Properties&) const = default;

  private:
    const_iterator lower_bound(std::string_view key) const noexcept {
        return std::lower_bound(entries_.begin(), entries_.end(), key,
                                [](const value_type& entry, std::string_view wanted) {
                                    return std::string_view(entry.first) < wanted;
                                });
    }

    std::vector<value_type> entries_;
};

}  // namespace scagent::plugins
