// fuzz_replay TARGET: runs TARGET once on every file of tests/fuzz/corpus/TARGET/ (the seeds and
// every input a fuzzing run kept). Exit 0 when all ran; a crash or a sanitizer report fails the
// test that calls it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.hpp"

namespace scagent::fuzz {
namespace {

std::map<std::string, Target, std::less<>>& targets() {
    static std::map<std::string, Target, std::less<>> all;
    return all;
}

}  // namespace

bool register_target(std::string_view name, Target target) {
    targets().emplace(std::string(name), target);
    return true;
}

}  // namespace scagent::fuzz

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_replay TARGET\n");
        return 64;
    }
    const auto& all = scagent::fuzz::targets();
    const auto target = all.find(argv[1]);
    if (target == all.end()) {
        std::fprintf(stderr, "fuzz_replay: no target '%s'\n", argv[1]);
        return 64;
    }
    const fs::path corpus = fs::path(SC_AGENT_SOURCE_DIR) / "tests/fuzz/corpus" / argv[1];
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(corpus)) {
        if (entry.is_regular_file()) {
            files.push_back(entry.path());
        }
    }
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                      std::istreambuf_iterator<char>()};
        target->second(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("fuzz_replay %s: %zu input(s)\n", argv[1], files.size());
    return files.empty() ? 1 : 0;
}
