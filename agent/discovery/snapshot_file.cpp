#include "agent/discovery/snapshot_file.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "agent/discovery/instance_json.hpp"

namespace scagent::discovery {
namespace {

using nlohmann::json;
using WallTime = std::chrono::system_clock::time_point;

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::int64_t to_unix_ms(WallTime time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

WallTime from_unix_ms(std::int64_t ms) {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
    return what + " " + path.string() + ": " + std::strerror(errno);
}

/// A new temp file next to `path` for writing: a random name, created exclusively (O_EXCL: an
/// existing file or a symlink planted there fails the open instead of being followed or
/// truncated), readable by the agent's user only. Sets `temp` to the name; -1 and errno on error.
int create_temp_file(const std::filesystem::path& path, std::filesystem::path& temp) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::random_device random;
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string suffix = ".tmp.";
        for (int i = 0; i < 4; ++i) {
            const auto value = random();
            for (int shift = 0; shift < 32; shift += 4) {
                suffix += kHex[(value >> shift) & 0xF];
            }
        }
        temp = path;
        temp += suffix;
        const int fd =
            ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST) {
            return fd;
        }
    }
    return -1;
}

/// Temp files a crash left behind ("<name>.tmp.*"). unlink never follows a symlink.
void remove_stale_temp_files(const std::filesystem::path& path) {
    const std::string prefix = path.filename().string() + ".tmp.";
    std::error_code ec;
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().filename().string().starts_with(prefix)) {
            ::unlink(entry.path().c_str());
        }
    }
}

DecodedSnapshot rejected(std::string why) {
    DecodedSnapshot out;
    out.error = std::move(why);
    return out;
}

bool decode_entry(const json& item, InstanceCache::DiskEntry& entry, std::string* error) {
    if (!item.is_object()) {
        *error = "an entry must be an object";
        return false;
    }
    for (const char* name : {"app", "service", "env", "revision"}) {
        auto found = item.find(name);
        if (found == item.end() || !found->is_string()) {
            *error = std::string("entry key \"") + name + "\" must be a string";
            return false;
        }
    }
    auto found = item.find("found");
    auto fetched = item.find("fetchedAt");
    auto instances = item.find("instances");
    if (found == item.end() || !found->is_boolean() || fetched == item.end() ||
        !fetched->is_number_integer() || instances == item.end() || !instances->is_array()) {
        *error = "an entry needs \"found\" (bool), \"fetchedAt\" (integer), \"instances\" (array)";
        return false;
    }
    entry.key = {item["app"].get<std::string>(), item["service"].get<std::string>(),
                 item["env"].get<std::string>()};
    entry.data.revision = item["revision"].get<std::string>();
    entry.data.service_found = found->get<bool>();
    entry.fetched_at = from_unix_ms(fetched->get<std::int64_t>());
    for (const auto& raw : *instances) {
        plugins::Instance instance;
        DataCenterInfo center;
        if (!instance_from_json(raw, instance, center, error)) {
            *error = "entry " + entry.key.to_string() + ": " + *error;
            return false;
        }
        entry.data.instances.push_back(std::move(instance));
        entry.data.data_centers.push_back(std::move(center));
    }
    return true;
}

DecodedSnapshot decode_payload(const json& payload) {
    auto written = payload.find("writtenAt");
    auto entries = payload.find("entries");
    if (!payload.is_object() || written == payload.end() || !written->is_number_integer() ||
        entries == payload.end() || !entries->is_array() || !payload.contains("extra")) {
        return rejected("payload needs \"writtenAt\" (integer), \"entries\" (array), \"extra\"");
    }
    DecodedSnapshot out;
    out.written_at = from_unix_ms(written->get<std::int64_t>());
    out.extra = payload["extra"];
    for (const auto& item : *entries) {
        InstanceCache::DiskEntry entry;
        std::string error;
        if (!decode_entry(item, entry, &error)) {
            return rejected(std::move(error));
        }
        out.entries.push_back(std::move(entry));
    }
    return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

std::string encode_snapshot(const std::vector<CachedSetPtr>& entries, const json& extra,
                            plugins::Clock::TimePoint steady_now, WallTime wall_now) {
    json list = json::array();
    for (const CachedSetPtr& set : entries) {
        json instances = json::array();
        for (std::size_t i = 0; i < set->set->instances.size(); ++i) {
            instances.push_back(instance_to_json(set->set->instances[i], set->data_centers[i]));
        }
        auto fetched =
            wall_now - std::chrono::duration_cast<WallTime::duration>(steady_now - set->fetched_at);
        list.push_back({{"app", set->key.app},
                        {"service", set->key.service},
                        {"env", set->key.env},
                        {"revision", set->revision},
                        {"found", set->service_found},
                        {"fetchedAt", to_unix_ms(fetched)},
                        {"instances", std::move(instances)}});
    }
    json payload = {
        {"writtenAt", to_unix_ms(wall_now)}, {"entries", std::move(list)}, {"extra", extra}};
    json document = {{"format", kSnapshotFormat},
                     {"version", kSnapshotVersion},
                     {"sha256", sha256_hex(dump(payload))},
                     {"payload", std::move(payload)}};
    return dump(document) + "\n";
}

DecodedSnapshot decode_snapshot(std::string_view text) {
    json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) {
        return rejected("not valid JSON (truncated or corrupted)");
    }
    if (!document.is_object()) {
        return rejected("not a JSON object");
    }
    auto format = document.find("format");
    if (format == document.end() || *format != kSnapshotFormat) {
        return rejected("not an sc-agent cache snapshot (\"format\" is missing or different)");
    }
    auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != kSnapshotVersion) {
        return rejected("unsupported snapshot version " +
                        (version == document.end() ? std::string("(missing)") : dump(*version)) +
                        ", this agent reads version " + std::to_string(kSnapshotVersion));
    }
    auto checksum = document.find("sha256");
    auto payload = document.find("payload");
    if (checksum == document.end() || !checksum->is_string() || payload == document.end()) {
        return rejected("\"sha256\" or \"payload\" is missing");
    }
    if (sha256_hex(dump(*payload)) != checksum->get<std::string>()) {
        return rejected("checksum mismatch (the file was modified or corrupted)");
    }
    return decode_payload(*payload);
}

DecodedSnapshot read_snapshot_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return rejected("cannot read cache snapshot " + path.string() + ": " +
                        std::strerror(errno));
    }
    // At most one byte past the cap is read, whatever the file claims or turns out to be (a
    // FIFO, a file still growing): an oversized snapshot is ignored like a corrupt one instead
    // of being parsed at several times its size in memory.
    struct stat info {};
    std::string content;
    if (::fstat(fd, &info) == 0 && info.st_size > 0) {
        content.reserve(
            std::min<std::size_t>(static_cast<std::size_t>(info.st_size), kMaxSnapshotBytes + 1));
    }
    char buffer[64 * 1024];
    while (content.size() <= kMaxSnapshotBytes) {
        const std::size_t want = std::min(sizeof buffer, kMaxSnapshotBytes + 1 - content.size());
        const ssize_t n = ::read(fd, buffer, want);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            std::string error = errno_text("cannot read cache snapshot", path);
            ::close(fd);
            return rejected(std::move(error));
        }
        if (n == 0) {
            break;
        }
        content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (content.size() > kMaxSnapshotBytes) {
        return rejected("cache snapshot " + path.string() + " ignored: larger than " +
                        std::to_string(kMaxSnapshotBytes >> 20) + " MiB");
    }
    auto decoded = decode_snapshot(content);
    if (!decoded.error.empty()) {
        decoded.error = "cache snapshot " + path.string() + " ignored: " + decoded.error;
    }
    return decoded;
}

std::string write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                  const BeforeRenameHook& before_rename) {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        std::filesystem::path partial;
        for (const auto& part : dir) {
            partial /= part;
            if (::mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST) {
                return errno_text("cannot create directory", partial);
            }
        }
    }
    std::filesystem::path temp;
    const int fd = create_temp_file(path, temp);
    if (fd < 0) {
        return errno_text("cannot create", temp);
    }
    std::size_t written = 0;
    while (written < content.size()) {
        ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            std::string error = errno_text("cannot write", temp);
            ::close(fd);
            ::unlink(temp.c_str());
            return error;
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        std::string error = errno_text("cannot fsync", temp);
        ::close(fd);
        ::unlink(temp.c_str());
        return error;
    }
    ::close(fd);
    if (before_rename && !before_rename(temp)) {
        return "stopped before rename (test hook)";
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        std::string error = errno_text("cannot rename into place", path);
        ::unlink(temp.c_str());
        return error;
    }
    remove_stale_temp_files(path);
    // The rename is durable only once the directory entry is on disk.
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        return errno_text("cannot open directory", dir);
    }
    int synced = ::fsync(dir_fd);
    ::close(dir_fd);
    return synced == 0 ? std::string() : errno_text("cannot fsync directory", dir);
}

}  // namespace scagent::discovery
