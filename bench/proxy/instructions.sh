#!/usr/bin/env bash
# Instructions the agent executes per proxied call, counted by valgrind's callgrind over every
# thread of the agent (user space), while wrk keeps 32 connections busy for 10 s. Unlike the
# req/s and CPU seconds of bench/proxy/run.sh this figure hardly moves with the machine's load
# (about ±1 % between runs here, against ±5–7 % for req/s), so a change to the request path can
# be judged before and after it lands. It leaves out the kernel (system calls, scheduling),
# which is most of a proxied call's cost: a guide for user-space work, not a replacement for
# the benchmark. The provider is the dev registry (scripts/lib/agent-under-test.sh).
#
# Usage: bench/proxy/instructions.sh [none|gov|allgov]   (policies bound as in bench/proxy:
#        none, a retry + load-balance policy, every governance kind; default none)
set -euo pipefail
cd "$(dirname "$0")/../.."
agent="$(pwd -P)/build/release/agent/sc-agent"
policies="${1:-none}"
case "$policies" in
none | gov | allgov) ;;
*)
    echo "usage: $0 [none|gov|allgov]" >&2
    exit 2
    ;;
esac
scripts/install-packages.sh valgrind wrk curl python3 procps
scripts/setup.sh release sc-agent >/dev/null

work="$(mktemp -d)"
cleanup() {
    # shellcheck disable=SC2046  # one pid per word
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

source scripts/lib/agent-under-test.sh
case "$policies" in
gov) cp bench/proxy/governance-gov.yaml "$work/governance.yaml" ;;
allgov) cat bench/proxy/governance-gov.yaml bench/proxy/governance-allgov.yaml \
    >"$work/governance.yaml" ;;
esac

start_agent valgrind --tool=callgrind --dump-line=no --callgrind-out-file="$work/callgrind.out"
# Warm first (pools, caches, first-call paths), then count only the measured run.
taskset -c 1 wrk -t1 -c32 -d3s "$upstream_url" >/dev/null
callgrind_control -z "$agent_pid" >/dev/null
taskset -c 1 wrk -t1 -c32 -d10s "$upstream_url" >"$work/wrk.txt"
callgrind_control -d "$agent_pid" >/dev/null
stop_agent

if grep -qE "Non-2xx|Socket errors" "$work/wrk.txt"; then
    cat "$work/wrk.txt" >&2
    echo "instructions: calls failed; no figure" >&2
    exit 1
fi
dump="$work/callgrind.out.1"
calls="$(awk '/requests in/ {print $1}' "$work/wrk.txt")"
instructions="$(awk '/^(summary|totals):/ {print $2; exit}' "$dump" 2>/dev/null || true)"
if [ -z "$calls" ] || [ "$calls" = 0 ] || [ -z "$instructions" ]; then
    echo "instructions: no calls counted or no callgrind dump ($dump)" >&2
    exit 1
fi
echo "instructions: policies $policies, $calls calls, $instructions instructions," \
    "$((instructions / calls)) per call"
