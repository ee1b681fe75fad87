#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/discovery/cached_set.hpp"
#include "agent/discovery/instance_cache.hpp"

namespace scagent::discovery {

/// The disk snapshot: {"format":"sc-agent-cache-snapshot","version":1,"sha256":HEX,"payload":P}
/// where HEX is the SHA-256 of P serialised compactly (nlohmann's dump is canonical: sorted keys,
/// no blanks, shortest round-trip numbers), and P is
/// {"writtenAt":unix_ms,"entries":[{"app","service","env","revision","found","fetchedAt":unix_ms,
///   "instances":[instance_to_json...]}],"extra":ANY}. "extra" belongs to the governance store.
constexpr std::string_view kSnapshotFormat = "sc-agent-cache-snapshot";
constexpr int kSnapshotVersion = 1;

/// Steady fetch times are turned into wall-clock ones with the pair (steady_now, wall_now).
std::string encode_snapshot(const std::vector<CachedSetPtr>& entries, const nlohmann::json& extra,
                            plugins::Clock::TimePoint steady_now,
                            std::chrono::system_clock::time_point wall_now);

struct DecodedSnapshot {
    std::vector<InstanceCache::DiskEntry> entries;
    nlohmann::json extra;
    std::chrono::system_clock::time_point written_at{};
    /// Set iff the snapshot was rejected; then entries and extra are empty (never a partial load).
    std::string error;
};

/// Never throws: bad JSON, a wrong format or version, a checksum mismatch or a schema error all
/// come back as `error`.
DecodedSnapshot decode_snapshot(std::string_view text);

/// The largest snapshot read_snapshot_file() accepts; a larger file is ignored with an error.
constexpr std::size_t kMaxSnapshotBytes = std::size_t{64} << 20;

/// Reads and decodes `path`; a missing file is an error too ("no snapshot at ..."), and so is a
/// file past kMaxSnapshotBytes; every error names the path.
DecodedSnapshot read_snapshot_file(const std::filesystem::path& path);

/// Test seam for crash safety: called after the temp file is written and fsynced, before the
/// rename; returning false stops there as a crash would (the temp file is left behind).
using BeforeRenameHook = std::function<bool(const std::filesystem::path& temp)>;

/// Replaces `path` with `content` so that a reader (or a crash at any point) sees either the old
/// file or the new one, never a mix: write a new `path.tmp.<random>` in the same directory
/// (created exclusively, never through a symlink, mode 0600; removed on failure), fsync it,
/// rename it over `path`, fsync the directory; temp files an earlier crash left are then
/// removed. Missing parent directories are created with mode 0750.
/// Returns "" on success, else what failed (with errno text).
std::string write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                  const BeforeRenameHook& before_rename = {});

/// Lowercase hex SHA-256 (OpenSSL EVP).
std::string sha256_hex(std::string_view data);

}  // namespace scagent::discovery
