#include "agent/discovery/snapshot_file.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return rejected("cannot read cache snapshot " + path.string() + ": " +
                        std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    auto decoded = decode_snapshot(content.str());
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
    std::filesystem::path temp = path;
    temp += ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
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
