// One fuzz target: a function of the bytes of one input that must neither crash nor trip a
// sanitizer, whatever the bytes. With libFuzzer (preset `fuzz`, scripts/fuzz.sh) each file is a
// fuzzer of its own; in every other build the targets are linked into `fuzz_replay`, which feeds
// them the corpus in tests/fuzz/corpus/<target>/ so the sanitizer test run keeps every input
// ever found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scagent::fuzz {

using Target = int (*)(const std::uint8_t* data, std::size_t size);

/// Adds `target` to fuzz_replay's list (replay builds only); always true.
bool register_target(std::string_view name, Target target);

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace scagent::fuzz

#ifdef SC_AGENT_LIBFUZZER
#define SC_AGENT_FUZZ_TARGET(name) \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define SC_AGENT_FUZZ_TARGET(name)                                     \
    static int name##_one(const std::uint8_t* data, std::size_t size); \
    [[maybe_unused]] static const bool name##_registered =             \
        scagent::fuzz::register_target(#name, name##_one);             \
    static int name##_one(const std::uint8_t* data, std::size_t size)
#endif
