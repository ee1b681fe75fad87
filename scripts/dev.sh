#!/usr/bin/env bash
# Sets everything up and runs the agent on its embedded default: `sc-agent dev`.
# Extra arguments go to `sc-agent dev` (e.g. --config my-agent.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh release
exec build/release/agent/sc-agent dev "$@"
