#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "agent/discovery/instance_cache.hpp"
#include "agent/discovery/snapshot_file.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::discovery {

/// Writes the disk snapshot after changes, at most once per `min_interval`. It owns no timer and
/// no thread: the owner calls write_if_due() on a periodic tick (ideally off the I/O threads,
/// since a write ends in two fsyncs) and flush() at shutdown. Thread-safe.
class SnapshotWriter {
  public:
    struct Options {
        std::filesystem::path path;
        std::chrono::milliseconds min_interval = std::chrono::seconds(5);
    };
    /// The governance store's part of the snapshot ("extra"); null when absent.
    using ExtraProvider = std::function<nlohmann::json()>;
    using WallClock = std::function<std::chrono::system_clock::time_point()>;

    enum class Outcome { kNothingToDo, kNotYet, kWritten, kFailed };

    /// `cache` and `clock` must outlive the writer.
    SnapshotWriter(const InstanceCache& cache, plugins::Clock& clock, Options options,
                   ExtraProvider extra = {}, WallClock wall_clock = {});

    /// Something worth saving changed (wire as a cache listener and a governance hook).
    void note_change();
    /// Writes when there is a change and min_interval has passed since the last attempt.
    Outcome write_if_due();
    /// Writes now if anything changed since the last successful write.
    Outcome flush();
    /// The error of the last failed write, "" after a success.
    std::string last_error() const;

    /// Test seam, see write_file_atomically.
    void set_before_rename_hook(BeforeRenameHook hook);

  private:
    Outcome write_locked(plugins::Clock::TimePoint now);

    const InstanceCache& cache_;
    plugins::Clock& clock_;
    Options options_;
    ExtraProvider extra_;
    WallClock wall_clock_;
    /// Set by note_change() without the mutex: a listener on an I/O thread must not wait for a
    /// write (two fsyncs) in progress on the background thread.
    std::atomic<bool> dirty_{false};
    mutable std::mutex mutex_;
    // All below guarded by mutex_.
    std::optional<plugins::Clock::TimePoint> last_attempt_;
    std::string last_error_;
    BeforeRenameHook before_rename_;
};

}  // namespace scagent::discovery
