#!/usr/bin/env bash
# Regenerates agent/hot-functions.txt: the functions a running agent executes, hottest first.
# The release link places them together in that order (lld --symbol-ordering-file), so the
# pages of code an agent touches are few and dense. Without the list, the code that runs is
# spread thin over the whole binary and the kernel maps it 64 KiB around every first touch:
# most of the agent's text ends up resident (docs/proxy.md, "What an idle agent keeps resident").
#
# How, in two steps, on the release build:
# 1. The agent runs under valgrind's callgrind against a dev registry: it registers, serves
#    calls through its proxy with every governance kind bound (as bench/proxy's
#    sc-agent+allgov), answers the local API and a metrics scrape. The functions of the agent
#    binary that ran are listed by their own (self) cost, hottest first.
# 2. Callgrind misses what only load or timing reaches (an operation queue destroyed with work
#    in it, a timeout handler), and each such function left out costs a whole page-cache folio
#    of resident text (64 KiB to 1 MiB). So the agent is relinked with the list and run again,
#    natively, under wrk at c32 with `perf record -e page-faults`; every function whose code
#    faulted in but is not listed is appended, until a run adds none.
# Rerun it after a change to the request path; names that no longer exist are ignored by the
# linker, new functions just go after the listed ones.
#
# Usage: scripts/hot-functions.sh   (builds the release preset's sc-agent; perf needs root or
#        kernel.perf_event_paranoid <= 1)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd -P)"  # perf names the binary by its real path
agent="$repo/build/release/agent/sc-agent"
out="$repo/agent/hot-functions.txt"
scripts/install-packages.sh valgrind linux-perf wrk curl python3 binutils procps
scripts/setup.sh release sc-agent

work="$(mktemp -d)"
# The list is rewritten in place (each pass relinks with it); a run that fails half-way puts
# the committed one back.
cp "$out" "$work/committed-list.txt"
finished=0
cleanup() {
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    if [ "$finished" = 0 ]; then
        cp "$work/committed-list.txt" "$out"
        echo "hot-functions: failed; $out left as it was" >&2
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The registry, the provider, agent.yaml, start_agent and stop_agent.
source scripts/lib/agent-under-test.sh

# Every governance kind bound, as bench/proxy's sc-agent+allgov.
cat bench/proxy/governance-gov.yaml bench/proxy/governance-allgov.yaml >"$work/governance.yaml"

# Calls through the proxy, the local API and a scrape.
drive() {
    python3 scripts/hot-functions.py calls "$p_proxy"
    for path in readyz healthz metrics v1/agent/services v1/agent/governance \
        v1/services/hot-upstream/select v1/services/hot-upstream/instances; do
        curl -s -o /dev/null "http://127.0.0.1:$p_api/$path"
    done
}

# --- 1. what runs, by callgrind ------------------------------------------------------------
start_agent valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$work/callgrind.out"
drive
callgrind_control -d "$agent_pid" >/dev/null
stop_agent
# The dump taken while serving (.1), not the one written at exit with the stop path in it.
dump="$work/callgrind.out.1"
[ -s "$dump" ] || { echo "hot-functions: callgrind wrote no dump while serving" >&2; exit 1; }
echo "hot-functions: callgrind saw $(python3 scripts/hot-functions.py from-callgrind "$dump" "$agent" "$out") functions run"

# --- 2. what else faults in under load -------------------------------------------------------
for pass in 1 2 3 4 5 6; do
    scripts/setup.sh release sc-agent >/dev/null # relinks with the list
    start_agent perf record -q -e page-faults -c 1 -d -k CLOCK_MONOTONIC -o "$work/faults.data"
    drive
    taskset -c 0 wrk -t1 -c32 -d3s "$upstream_url" >/dev/null
    serving_until="$(python3 -c 'import time; print(time.monotonic())')"
    stop_agent
    added="$(python3 scripts/hot-functions.py add-faults "$work/faults.data" "$agent" "$out" \
        "$serving_until")"
    echo "hot-functions: pass $pass under load added $added functions"
    [ "$added" = 0 ] && break
done
if [ "$added" != 0 ]; then
    echo "hot-functions: still adding functions after $pass passes (kept; rerun to go on)" >&2
fi
scripts/setup.sh release sc-agent >/dev/null
finished=1
echo "hot-functions: $(wc -l <"$out") functions in $out"
