#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang 14, preset `fuzz`: ASan everywhere, UBSan and
# coverage where the inputs land; see CMakeLists.txt) and runs each for
# a bounded time, starting from tests/fuzz/corpus/<target>/. A crash, a sanitizer report, a leak
# or a timeout fails the run and leaves the input in $OUT/<target>/.
# Usage: scripts/fuzz.sh [SECONDS per target, default 60] [TARGET...]
#   FUZZ_MERGE=1 scripts/fuzz.sh 300   # also merge new coverage into the committed corpus
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
((${#targets[@]})) ||
    targets=(fuzz_config fuzz_governance fuzz_registry_json fuzz_request_head fuzz_query)
OUT="${OUT:-/tmp/sc-agent-fuzz}"

scripts/install-packages.sh clang-14 libclang-rt-14-dev
scripts/setup.sh packages  # the project's own libraries

source scripts/lib/ccache-env.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${SC_AGENT_JOBS:-$(nproc)}" --target "${targets[@]}"

export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
printf '| target | seconds | runs | seed inputs | corpus after | result |\n|---|---:|---:|---:|---:|---|\n' >"$OUT.md"
for target in "${targets[@]}"; do
    work="$OUT/$target"
    rm -rf "$work" && mkdir -p "$work/corpus"
    cp tests/fuzz/corpus/"$target"/* "$work/corpus/"
    seeds=$(find tests/fuzz/corpus/"$target" -type f | wc -l)
    result=ok
    (cd "$work" && "$OLDPWD/build/fuzz/tests/fuzz/$target" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus \
        >"$work/log.txt" 2>&1) || { result="FAILED (see $work/log.txt)"; status=1; }
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/log.txt" | grep -oE '[0-9]+$' || echo '?')
    after=$(find "$work/corpus" -type f | wc -l)
    printf '| %s | %s | %s | %s | %s | %s |\n' "$target" "$seconds" "$runs" "$seeds" "$after" "$result" >>"$OUT.md"
    if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$result" = ok ]; then
        mkdir -p "$work/merged"
        "build/fuzz/tests/fuzz/$target" -merge=1 tests/fuzz/corpus/"$target" "$work/corpus" \
            >"$work/merge.txt" 2>&1
    fi
done
cat "$OUT.md"
exit "$status"
