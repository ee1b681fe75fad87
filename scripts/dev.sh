#!/usr/bin/env bash
# Sets everything up and runs the agent on its embedded default: `sc-agent dev`.
# Extra arguments go to `sc-agent dev` (e.g. --config my-agent.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

# The debug preset: the quickest to compile, and speed does not matter for a dev run (packages
# are built from `release`; the tests run under `asan`). Only the agent itself: a newcomer sees
# it running before any test is compiled.
scripts/setup.sh debug sc-agent
exec build/debug/agent/sc-agent dev "$@"
