#include "agent/discovery/snapshot_writer.hpp"

#include <spdlog/spdlog.h>

namespace scagent::discovery {

SnapshotWriter::SnapshotWriter(const InstanceCache& cache, plugins::Clock& clock, Options options,
                               ExtraProvider extra, WallClock wall_clock)
    : cache_(cache),
      clock_(clock),
      options_(std::move(options)),
      extra_(std::move(extra)),
      wall_clock_(wall_clock ? std::move(wall_clock) : WallClock(std::chrono::system_clock::now)) {}

void SnapshotWriter::note_change() {
    dirty_.store(true);
}

SnapshotWriter::Outcome SnapshotWriter::write_if_due() {
    std::lock_guard lock(mutex_);
    if (!dirty_) {
        return Outcome::kNothingToDo;
    }
    auto now = clock_.now();
    if (last_attempt_ && now - *last_attempt_ < options_.min_interval) {
        return Outcome::kNotYet;
    }
    return write_locked(now);
}

SnapshotWriter::Outcome SnapshotWriter::flush() {
    std::lock_guard lock(mutex_);
    if (!dirty_) {
        return Outcome::kNothingToDo;
    }
    return write_locked(clock_.now());
}

SnapshotWriter::Outcome SnapshotWriter::write_locked(plugins::Clock::TimePoint now) {
    // Cleared before reading the cache: a change landing during the write marks it dirty again.
    dirty_ = false;
    last_attempt_ = now;
    nlohmann::json extra = extra_ ? extra_() : nlohmann::json();
    std::string content = encode_snapshot(cache_.entries(), extra, now, wall_clock_());
    last_error_ = write_file_atomically(options_.path, content, before_rename_);
    if (last_error_.empty()) {
        return Outcome::kWritten;
    }
    dirty_ = true;
    spdlog::warn("cache snapshot not written: {}; retrying in {} ms", last_error_,
                 options_.min_interval.count());
    return Outcome::kFailed;
}

std::string SnapshotWriter::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

void SnapshotWriter::set_before_rename_hook(BeforeRenameHook hook) {
    std::lock_guard lock(mutex_);
    before_rename_ = std::move(hook);
}

}  // namespace scagent::discovery
