#!/usr/bin/env bash
# Installs the Debian 12 packages sc-agent builds with, when any is missing, then configures and
# builds one CMake preset (all of it, or the targets named after it).
# Usage: scripts/setup.sh [release|release-uring|debug|asan] [TARGET...]
#        scripts/setup.sh packages   (only the packages, no build)
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-release}"
shift || true
targets=()
for target in "$@"; do
    targets+=(--target "$target")
done
packages=(
    g++ cmake make pkg-config ccache mold lld git curl python3
    libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libyaml-cpp-dev prometheus-cpp-dev
    libgtest-dev libgmock-dev libbenchmark-dev libspdlog-dev libcli11-dev libssl-dev
    libre2-dev liburing-dev
)

scripts/install-packages.sh "${packages[@]}"

[ "$preset" = packages ] && exit 0

source scripts/lib/ccache-env.sh
jobs="${SC_AGENT_JOBS:-$(nproc)}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs" "${targets[@]}"
