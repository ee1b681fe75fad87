#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace scagent::plugins::governance {

/// Keeps stateful policy objects (rate limiters, breakers, isolation tables) alive across
/// governance reloads: asking again with a config equal by value returns the same state, so a
/// reload that did not touch a policy neither refills its bucket nor closes its breaker.
///
/// `Config` needs operator==; `State` is whatever the caller builds from it. Thread-safe with
/// one mutex per cache; callers on the hot path should hold on to the returned pointer.
template <class Config, class State>
class PolicyStateCache {
  public:
    using Factory = std::function<std::shared_ptr<State>(std::shared_ptr<const Config>)>;

    explicit PolicyStateCache(Factory make = {}) : make_(std::move(make)) {}

    /// The state for policy `key`, recreated only when its config changed.
    std::shared_ptr<State> obtain(std::string_view key,
                                  const std::shared_ptr<const Config>& config) {
        return obtain(key, config, make_);
    }

    /// The same, building a new state with `make` (state that needs more than the config, such
    /// as a breaker per target service).
    std::shared_ptr<State> obtain(std::string_view key, const std::shared_ptr<const Config>& config,
                                  const Factory& make) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        if (it != entries_.end() &&
            (it->second.config == config || *it->second.config == *config)) {
            return it->second.state;
        }
        auto state = make(config);
        entries_.insert_or_assign(std::string(key), Entry{config, state});
        return state;
    }

    /// Drops the state of every policy for which `keep(key)` is false (removed by a reload).
    void retain_if(const std::function<bool(std::string_view)>& keep) {
        std::lock_guard lock(mutex_);
        std::erase_if(entries_, [&](const auto& entry) { return !keep(entry.first); });
    }

    /// Calls `visit` with every state held (under the cache's lock: keep it short).
    void for_each(const std::function<void(State&)>& visit) const {
        std::lock_guard lock(mutex_);
        for (const auto& [key, entry] : entries_) {
            visit(*entry.state);
        }
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

  private:
    struct Entry {
        std::shared_ptr<const Config> config;
        std::shared_ptr<State> state;
    };

    Factory make_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace scagent::plugins::governance
