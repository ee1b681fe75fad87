#!/usr/bin/env bash
# Sets everything up (packages, configure, build) and runs the whole test suite of one preset.
# Usage: scripts/test.sh [asan|debug|release]
# Default asan: the suite under AddressSanitizer + UndefinedBehaviorSanitizer, so one build
# checks both behaviour and memory; `debug` builds a little faster for quick local runs.
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-asan}"
scripts/setup.sh "$preset"
ctest --preset "$preset" -j "${SC_AGENT_JOBS:-$(nproc)}"
