#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/discovery/snapshot_file.hpp"
#include "agent/discovery/snapshot_writer.hpp"
#include "discovery_test_support.hpp"
#include "plugins/api/fake_clock.hpp"

namespace scagent::discovery {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT: the test helpers
using ::testing::HasSubstr;
using ::testing::StartsWith;
using WallTime = std::chrono::system_clock::time_point;

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_all(const fs::path& path, std::string_view content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

/// The names of `path`'s temp files ("cache.json.tmp.*") in its directory, symlinks included.
std::vector<std::string> temp_files(const fs::path& path) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path.parent_path())) {
        const auto name = entry.path().filename().string();
        if (name.starts_with(path.filename().string() + ".tmp.")) {
            names.push_back(name);
        }
    }
    return names;
}

class SnapshotTest : public ::testing::Test {
  protected:
    SnapshotTest() {
        dir_ = fs::temp_directory_path() /
               ("sc-agent-snapshot-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        cache_.track(kCart);
        auto cart = live({"a", "b"}, "r1");
        cart.data_centers = {{"dc", "cn-north", "az1"}, {"dc", "cn-north", "az2"}};
        cart.instances[0].properties["canary"] = "true";
        cache_.apply_live_result(kCart, cart);
        cache_.track(kStock);
        LiveResult gone;
        gone.service_found = false;
        gone.revision = "r2";
        cache_.apply_live_result(kStock, gone);
        clock_.advance(std::chrono::seconds(42));
    }
    ~SnapshotTest() override { fs::remove_all(dir_); }

    std::string encoded() {
        return encode_snapshot(cache_.entries(), nlohmann::json{{"governance", {{"rev", 7}}}},
                               clock_.now(), wall_now_);
    }

    fs::path dir_;
    plugins::FakeClock clock_;
    InstanceCache cache_{clock_};
    WallTime wall_now_ = WallTime(std::chrono::milliseconds(1'700'000'000'000));
};

TEST_F(SnapshotTest, RoundTripKeepsEveryFieldAndTheFetchTime) {
    auto decoded = decode_snapshot(encoded());
    ASSERT_EQ(decoded.error, "");
    EXPECT_EQ(decoded.extra, (nlohmann::json{{"governance", {{"rev", 7}}}}));
    EXPECT_EQ(decoded.written_at, wall_now_);
    ASSERT_EQ(decoded.entries.size(), 2u);
    const auto& cart = decoded.entries[0];
    EXPECT_EQ(cart.key, kCart);
    EXPECT_EQ(cart.fetched_at, wall_now_ - std::chrono::seconds(42));
    EXPECT_EQ(cart.data.revision, "r1");
    EXPECT_EQ(cart.data.instances, cache_.peek(kCart).set->set->instances);
    EXPECT_EQ(cart.data.data_centers, cache_.peek(kCart).set->data_centers);
    EXPECT_FALSE(decoded.entries[1].data.service_found);

    // Restored into a fresh cache: same content, source=disk, the original age.
    plugins::FakeClock later;
    InstanceCache restored(later);
    EXPECT_EQ(restored.restore(decoded.entries, wall_now_ + std::chrono::seconds(8)), 2u);
    auto set = restored.get(kCart).set;
    EXPECT_EQ(set->source, Source::kDisk);
    EXPECT_EQ(set->age_seconds(later.now()), 50);
    EXPECT_EQ(set->set->instances, cache_.peek(kCart).set->set->instances);
    EXPECT_FALSE(restored.get(kStock).set->service_found);
}

TEST_F(SnapshotTest, TruncatedFileIsRejectedWholeAtEveryLength) {
    std::string text = encoded();
    for (std::size_t length = 0; length + 1 < text.size(); length += 7) {
        auto decoded = decode_snapshot(std::string_view(text).substr(0, length));
        EXPECT_NE(decoded.error, "") << length;
        EXPECT_TRUE(decoded.entries.empty());
    }
    EXPECT_EQ(decode_snapshot(text.substr(0, text.size() / 2)).error,
              "not valid JSON (truncated or corrupted)");
}

TEST_F(SnapshotTest, EveryFlippedByteIsDetected) {
    std::string text = encoded();
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {  // the last byte is the final newline
        std::string broken = text;
        broken[i] = static_cast<char>(broken[i] ^ 0x01);
        auto decoded = decode_snapshot(broken);
        EXPECT_NE(decoded.error, "") << "byte " << i << " '" << text[i] << "'";
        EXPECT_TRUE(decoded.entries.empty());
    }
}

TEST_F(SnapshotTest, WrongChecksumOrVersionOrFormatIsRejected) {
    auto document = nlohmann::json::parse(encoded());
    auto wrong_sum = document;
    wrong_sum["sha256"] = std::string(64, '0');
    EXPECT_EQ(decode_snapshot(wrong_sum.dump()).error,
              "checksum mismatch (the file was modified or corrupted)");
    auto edited = document;
    edited["payload"]["entries"][0]["instances"][0]["port"] = 9999;  // checksum left as is
    EXPECT_EQ(decode_snapshot(edited.dump()).error,
              "checksum mismatch (the file was modified or corrupted)");
    auto wrong_version = document;
    wrong_version["version"] = 2;
    EXPECT_EQ(decode_snapshot(wrong_version.dump()).error,
              "unsupported snapshot version 2, this agent reads version 1");
    auto wrong_format = document;
    wrong_format["format"] = "something-else";
    EXPECT_THAT(decode_snapshot(wrong_format.dump()).error, HasSubstr("not an sc-agent"));
    EXPECT_EQ(decode_snapshot("[]").error, "not a JSON object");
}

TEST_F(SnapshotTest, SchemaErrorsAreRejectedEvenWithAValidChecksum) {
    auto document = nlohmann::json::parse(encoded());
    auto payload = document["payload"];
    payload["entries"][1]["instances"] = {{{"instanceId", 5}}};
    document["payload"] = payload;
    document["sha256"] = sha256_hex(payload.dump());
    auto decoded = decode_snapshot(document.dump());
    EXPECT_EQ(decoded.error, "entry shop/stock@production: \"instanceId\" must be a string");
    EXPECT_TRUE(decoded.entries.empty());  // the good first entry is not loaded either
}

TEST_F(SnapshotTest, FileRoundTripCreatesTheDirectoryWith0750) {
    fs::path path = dir_ / "nested" / "cache.json";
    ASSERT_EQ(write_file_atomically(path, encoded()), "");
    struct stat info {};
    ASSERT_EQ(::stat((dir_ / "nested").c_str(), &info), 0);
    mode_t mask = ::umask(0);
    ::umask(mask);
    EXPECT_EQ(info.st_mode & 0777, 0750u & ~mask);
    auto decoded = read_snapshot_file(path);
    EXPECT_EQ(decoded.error, "");
    EXPECT_EQ(decoded.entries.size(), 2u);
    EXPECT_EQ(temp_files(path), std::vector<std::string>{});
    // Instance data is the agent user's alone.
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SnapshotTest, SymlinksPlantedAtTempPathsAreNeverFollowed) {
    fs::create_directories(dir_);
    const fs::path path = dir_ / "cache.json";
    const fs::path victim = dir_ / "victim";
    write_all(victim, "precious\n");
    // The fixed name an older agent wrote through, and one a crash could have left.
    fs::create_symlink(victim, path.string() + ".tmp");
    fs::create_symlink(victim, path.string() + ".tmp.0123456789abcdef");
    std::string temp_seen;
    ASSERT_EQ(write_file_atomically(path, encoded(),
                                    [&](const fs::path& temp) {
                                        temp_seen = temp.string();
                                        return true;
                                    }),
              "");
    EXPECT_EQ(read_all(victim), "precious\n");
    EXPECT_FALSE(fs::is_symlink(path));
    EXPECT_EQ(read_snapshot_file(path).error, "");
    EXPECT_THAT(temp_seen, StartsWith(path.string() + ".tmp."));
    EXPECT_NE(temp_seen, path.string() + ".tmp.0123456789abcdef");
    // The stale symlink is removed (unlinked, not followed); the old fixed name is not ours.
    EXPECT_EQ(temp_files(path), std::vector<std::string>{});
    EXPECT_TRUE(fs::is_symlink(path.string() + ".tmp"));
}

TEST_F(SnapshotTest, AnOversizedSnapshotIsIgnoredLikeACorruptOne) {
    fs::create_directories(dir_);
    const fs::path path = dir_ / "cache.json";
    ASSERT_EQ(write_file_atomically(path, encoded()), "");
    fs::resize_file(path, kMaxSnapshotBytes + 1);  // sparse: cheap to make, costly to parse
    const auto decoded = read_snapshot_file(path);
    EXPECT_EQ(decoded.error, "cache snapshot " + path.string() + " ignored: larger than 64 MiB");
    EXPECT_TRUE(decoded.entries.empty());
}

TEST_F(SnapshotTest, ReadingNamesThePathAndNeverLoadsAPart) {
    fs::create_directories(dir_);
    fs::path path = dir_ / "cache.json";
    EXPECT_THAT(read_snapshot_file(path).error,
                StartsWith("cannot read cache snapshot " + path.string()));
    std::string text = encoded();
    write_all(path, text.substr(0, text.size() - 20));
    auto decoded = read_snapshot_file(path);
    EXPECT_EQ(decoded.error, "cache snapshot " + path.string() +
                                 " ignored: not valid JSON (truncated or corrupted)");
    EXPECT_TRUE(decoded.entries.empty());
}

TEST_F(SnapshotTest, ACrashBeforeRenameLeavesTheOldFileIntact) {
    fs::path path = dir_ / "cache.json";
    ASSERT_EQ(write_file_atomically(path, "old contents\n"), "");
    std::string new_text = encoded();
    std::string seen_at_final_path;
    auto error = write_file_atomically(path, new_text, [&](const fs::path& temp) {
        // The new content is complete in the temp file, the final path is still the old file.
        EXPECT_THAT(temp.string(), StartsWith(path.string() + ".tmp."));
        EXPECT_EQ(read_all(temp), new_text);
        seen_at_final_path = read_all(path);
        return false;  // "crash"
    });
    EXPECT_EQ(error, "stopped before rename (test hook)");
    EXPECT_EQ(seen_at_final_path, "old contents\n");
    EXPECT_EQ(read_all(path), "old contents\n");
    EXPECT_EQ(temp_files(path).size(), 1u);
    // The next write lands whole and removes the leftover temp file.
    ASSERT_EQ(write_file_atomically(path, new_text), "");
    EXPECT_EQ(read_all(path), new_text);
    EXPECT_EQ(temp_files(path), std::vector<std::string>{});
}

TEST_F(SnapshotTest, WriteFailureIsReportedNotThrown) {
    fs::create_directories(dir_);
    write_all(dir_ / "file", "x");
    auto error = write_file_atomically(dir_ / "file" / "cache.json", "x");
    EXPECT_THAT(error, HasSubstr("cannot"));
}

TEST_F(SnapshotTest, WriterIsRateLimitedAndRetriesAfterChanges) {
    fs::path path = dir_ / "cache.json";
    int extra_calls = 0;
    SnapshotWriter writer(
        cache_, clock_, {path, std::chrono::seconds(5)},
        [&] {
            ++extra_calls;
            return nlohmann::json{{"n", extra_calls}};
        },
        [&] { return wall_now_; });
    using Outcome = SnapshotWriter::Outcome;
    EXPECT_EQ(writer.write_if_due(), Outcome::kNothingToDo);
    writer.note_change();
    EXPECT_EQ(writer.write_if_due(), Outcome::kWritten);
    EXPECT_EQ(read_snapshot_file(path).extra, (nlohmann::json{{"n", 1}}));
    writer.note_change();
    clock_.advance(std::chrono::seconds(4));
    EXPECT_EQ(writer.write_if_due(), Outcome::kNotYet);
    clock_.advance(std::chrono::seconds(1));
    EXPECT_EQ(writer.write_if_due(), Outcome::kWritten);
    EXPECT_EQ(writer.write_if_due(), Outcome::kNothingToDo);
    writer.note_change();
    EXPECT_EQ(writer.flush(), Outcome::kWritten);  // shutdown ignores the interval
    EXPECT_EQ(extra_calls, 3);

    // A failing write keeps the change pending and is retried after the interval.
    writer.set_before_rename_hook([](const fs::path&) { return false; });
    writer.note_change();
    clock_.advance(std::chrono::seconds(5));
    EXPECT_EQ(writer.write_if_due(), Outcome::kFailed);
    EXPECT_EQ(writer.last_error(), "stopped before rename (test hook)");
    writer.set_before_rename_hook({});
    EXPECT_EQ(writer.write_if_due(), Outcome::kNotYet);
    clock_.advance(std::chrono::seconds(5));
    EXPECT_EQ(writer.write_if_due(), Outcome::kWritten);
    EXPECT_EQ(writer.last_error(), "");
}

}  // namespace
}  // namespace scagent::discovery
