#!/usr/bin/env bash
# Sets everything up (packages, configure, build) and runs the whole test suite of one preset.
# Usage: scripts/test.sh [debug|release|asan] (default debug: quickest to build, full checks)
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-debug}"
scripts/setup.sh "$preset"
ctest --preset "$preset" -j "${SC_AGENT_JOBS:-$(nproc)}"
