#include "agent/discovery/outcome_book.hpp"

namespace scagent::discovery {

void OutcomeBook::record(std::string_view instance_id, bool success,
                         std::chrono::milliseconds latency) {
    std::lock_guard lock(mutex_);
    auto now = clock_.now();
    forget_stale_locked(now);
    auto found = records_.find(instance_id);
    if (found == records_.end()) {
        found = records_.emplace(std::string(instance_id), Record{}).first;
    }
    Record& record = found->second;
    record.updated = now;
    record.last_latency = latency;
    if (success) {
        ++record.successes;
        record.consecutive_failures = 0;
    } else {
        ++record.failures;
        ++record.consecutive_failures;
        record.last_failure = now;
    }
}

bool OutcomeBook::bad_locked(const Record& record, plugins::Clock::TimePoint now) const {
    return record.consecutive_failures >= options_.failure_threshold &&
           now - record.last_failure < options_.bad_for;
}

bool OutcomeBook::is_bad(std::string_view instance_id) const {
    std::lock_guard lock(mutex_);
    auto found = records_.find(instance_id);
    return found != records_.end() && bad_locked(found->second, clock_.now());
}

plugins::Excluded OutcomeBook::excluded(const plugins::InstanceSet& set) const {
    plugins::Excluded out;
    std::lock_guard lock(mutex_);
    if (records_.empty()) {
        return out;
    }
    auto now = clock_.now();
    for (const auto& instance : set.instances) {
        auto found = records_.find(instance.instance_id);
        if (found != records_.end() && bad_locked(found->second, now)) {
            out.ids.insert(instance.instance_id);
        }
    }
    return out;
}

OutcomeBook::Record OutcomeBook::record_of(std::string_view instance_id) const {
    std::lock_guard lock(mutex_);
    auto found = records_.find(instance_id);
    return found == records_.end() ? Record{} : found->second;
}

void OutcomeBook::forget_stale_locked(plugins::Clock::TimePoint now) {
    // A full scan at most once per forget_after keeps record() O(log n) on average.
    if (now - last_sweep_ < options_.forget_after) {
        return;
    }
    last_sweep_ = now;
    std::erase_if(records_, [&](const auto& item) {
        return now - item.second.updated >= options_.forget_after;
    });
}

}  // namespace scagent::discovery
