#!/usr/bin/env bash
# The proxy benchmark: sc-agent's forwarding proxy against haproxy and nginx in front of one
# trivial upstream, on loopback. See bench/proxy/README.md.
#
#   bench/proxy/run.sh                       # 3 interleaved rounds of 10 s at c32 and c1
#   ROUNDS=1 DURATION=3 bench/proxy/run.sh   # a quick functional pass
#
# Knobs (environment): ROUNDS [3], DURATION seconds [10], WARMUP seconds [2],
# OUT [/tmp/sc-agent-bench], SC_AGENT [build/release/agent/sc-agent, built when missing],
# SC_AGENT_URING [build/release-uring/agent/sc-agent, the io_uring build, built when missing],
# TARGETS [direct haproxy nginx sc-agent sc-agent+gov sc-agent+allgov sc-agent-t2 sc-agent-uring]
# (sc-agent-uring is left out, with a note, where the kernel or seccomp refuses io_uring),
# CONNS ["32 1"],
# PROXY_CPU [0] (proxies and upstream), LOAD_CPU [1] (wrk and the registry).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
command_line="$(printf '%q ' "$0" "$@")"
command_line="${command_line% }"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
OUT="${OUT:-/tmp/sc-agent-bench}"
TARGETS="${TARGETS:-direct haproxy nginx sc-agent sc-agent+gov sc-agent+allgov sc-agent-t2 sc-agent-uring}"
CONNS="${CONNS:-32 1}"
PROXY_CPU="${PROXY_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
default_agent="$repo/build/release/agent/sc-agent"
SC_AGENT="${SC_AGENT:-$default_agent}"
default_uring_agent="$repo/build/release-uring/agent/sc-agent"
SC_AGENT_URING="${SC_AGENT_URING:-$default_uring_agent}"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

for t in $TARGETS; do
    case "$t" in
        direct | haproxy | nginx | sc-agent | sc-agent+gov | sc-agent+allgov | sc-agent-t2 | sc-agent-uring) ;;
        *) die "unknown target '$t' in TARGETS" ;;
    esac
done
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (proxy on core $PROXY_CPU, wrk on core $LOAD_CPU)"
uses_agent=0
[[ " $TARGETS " == *" sc-agent"* ]] && uses_agent=1

# --- tools -------------------------------------------------------------------------------------
PATH="$PATH:/usr/sbin:/sbin"
# haproxy, nginx, wrk; taskset (util-linux), curl, pgrep (procps), readelf (binutils).
"$repo/scripts/install-packages.sh" haproxy nginx-light wrk util-linux curl procps binutils
# The packages may start system services (where policy-rc.d allows it); they are not used here
# (every instance below is our own, on its own ports), but they share the CPUs.
others="$(pgrep -x 'nginx|haproxy' | tr '\n' ' ' || true)"
[ -z "$others" ] || log "note: nginx/haproxy processes not started by this script are running: $others"

if ((uses_agent)); then
    if [ ! -x "$SC_AGENT" ]; then
        [ "$SC_AGENT" = "$default_agent" ] || die "SC_AGENT=$SC_AGENT is not an executable"
        log "building the release sc-agent (scripts/setup.sh release sc-agent)"
        "$repo/scripts/setup.sh" release sc-agent
    fi
    SC_AGENT="$(cd "$(dirname "$SC_AGENT")" && pwd)/$(basename "$SC_AGENT")"
fi
if [[ " $TARGETS " == *" sc-agent-uring "* ]]; then
    if [ ! -x "$SC_AGENT_URING" ]; then
        [ "$SC_AGENT_URING" = "$default_uring_agent" ] ||
            die "SC_AGENT_URING=$SC_AGENT_URING is not an executable"
        log "building the io_uring sc-agent (scripts/setup.sh release-uring sc-agent)"
        "$repo/scripts/setup.sh" release-uring sc-agent
    fi
    SC_AGENT_URING="$(cd "$(dirname "$SC_AGENT_URING")" && pwd)/$(basename "$SC_AGENT_URING")"
    # shellcheck source=scripts/lib/io-uring-refusal.sh
    source "$repo/scripts/lib/io-uring-refusal.sh"
    if refusal="$(io_uring_refusal "$SC_AGENT_URING")"; then
        log "note: leaving out sc-agent-uring: $refusal"
        TARGETS="$(tr ' ' '\n' <<<"$TARGETS" | { grep -vx sc-agent-uring || true; } | paste -sd' ')"
    fi
fi

# --- bookkeeping -------------------------------------------------------------------------------
work="$OUT/work" # configs, logs, pid files, nginx temp dirs: everything the daemons write
raw="$OUT/raw"   # every wrk output
rm -rf "$work" "$raw"
mkdir -p "$work" "$raw"
: >"$OUT/runs.tsv"
: >"$OUT/mem.tsv"

started=() # pids of every daemon this script started
declare -A pid_of url_of

tree_pids() { # a pid and all its descendants
    local p
    for p in "$@"; do
        [ -d "/proc/$p" ] || continue
        echo "$p"
        # shellcheck disable=SC2046 # one pid per word
        tree_pids $(pgrep -P "$p" || true)
    done
}

running() { # a live process, not a zombie waiting to be reaped
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat:0:1}" != Z ]
}

stop_tree() { # TERM a process, then whatever is left of its tree; KILL what outlives 5 s
    local root="$1" p alive
    local -a tree
    mapfile -t tree < <(tree_pids "$root")
    kill -TERM "$root" 2>/dev/null
    for _ in $(seq 50); do
        running "$root" || break
        sleep 0.1
    done
    for p in "${tree[@]}"; do running "$p" && kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 20); do
        alive=0
        for p in "${tree[@]}"; do running "$p" && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for p in "${tree[@]}"; do running "$p" && kill -KILL "$p" 2>/dev/null; done
}

cleanup() { # stop in reverse start order: the agents deregister before the registry goes
    local rc=$? i
    set +e
    trap - EXIT INT TERM
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
        stop_tree "${started[i]}"
    done
    wait 2>/dev/null
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CPUS COMMAND...: a foreground daemon pinned to CPUS, output in $work/NAME.log.
start() {
    local name="$1" cpus="$2"
    shift 2
    taskset -c "$cpus" "$@" >"$work/$name.log" 2>&1 &
    pid_of[$name]=$!
    started+=($!)
}

alive_or_die() {
    local name="$1"
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
        log "$name exited; its log ($work/$name.log):"
        cat "$work/$name.log" >&2
        die "$name did not start"
    fi
}

# wait_body URL EXPECTED SECONDS: until URL answers 200 with body EXPECTED (empty: any body).
wait_body() {
    local url="$1" expected="$2" deadline=$((SECONDS + $3)) body code
    while ((SECONDS < deadline)); do
        body="$(curl -s -m 2 -w '\n%{http_code}' "$url" 2>/dev/null || true)"
        code="${body##*$'\n'}"
        body="${body%$'\n'*}"
        body="${body%$'\n'}" # the upstream's own trailing newline
        if [ "$code" = 200 ] && { [ -z "$expected" ] || [ "$body" = "$expected" ]; }; then
            return 0
        fi
        sleep 0.2
    done
    log "$url: last answer $code: $body"
    return 1
}

ticks() { # utime+stime of a process tree, in clock ticks
    local p total=0 stat
    local -a f
    for p in $(tree_pids "$@"); do
        stat="$(cat "/proc/$p/stat" 2>/dev/null)" || continue
        stat="${stat##*) }" # fields from 3 (state) on; comm may hold spaces
        read -r -a f <<<"$stat"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}

mem_kib() { # sum of a /proc status field (VmRSS, VmHWM) over a process tree, in KiB
    local field="$1" p total=0 v
    shift
    for p in $(tree_pids "$@"); do
        v="$(awk -v k="$field:" '$1 == k {print $2}' "/proc/$p/status" 2>/dev/null)"
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

rollup_kib() { # sum of smaps_rollup fields (Pss; Private_Clean Private_Dirty) over a tree, KiB
    local p total=0 v
    local fields="$1"
    shift
    for p in $(tree_pids "$@"); do
        v="$(awk -v want=" $fields " 'index(want, " " substr($1, 1, length($1) - 1) " ") {t += $2}
            END {print t + 0}' "/proc/$p/smaps_rollup" 2>/dev/null)"
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# library_floor BINARY: VmRSS (KiB) of a program that does nothing but load BINARY's shared
# libraries (its DT_NEEDED list, bound the same way): what the binary's RSS would be before one
# line of its own code ran. Empty when no C compiler is at hand.
library_floor() {
    local binary="$1" name libs=() now=() pid rss dynamic
    command -v cc >/dev/null || return 0
    dynamic="$(readelf -d "$binary")"
    while read -r name; do
        libs+=("-l:$name")
    done < <(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic")
    grep -q BIND_NOW <<<"$dynamic" && now=("-Wl,-z,now")
    name="$work/floor-$(basename "$binary")"
    # alarm(): a probe this script can no longer kill (Ctrl-C mid-probe) ends by itself.
    printf '#include <unistd.h>\nint main(void) { alarm(30); pause(); return 0; }\n' >"$name.c"
    cc -O2 -o "$name" "$name.c" -Wl,--no-as-needed "${now[@]}" "${libs[@]}" 2>"$name.log" || return 0
    "$name" >/dev/null 2>&1 &
    pid=$!
    rss=0
    for _ in $(seq 50); do # until the loader has mapped everything and main() waits
        if [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = S ]; then
            rss="$(mem_kib VmRSS "$pid")"
            break
        fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ "$rss" = 0 ] || echo "$rss" # a probe that never waited (or exited) gives no figure
}

read -r P_UP P_HA P_NG P_REG P_A1 P_A1API P_AG P_AGAPI P_A2 P_A2API P_AA P_AAAPI P_AU P_AUAPI \
    < <(python3 "$here/bench.py" ports 14)

# --- the trivial upstream: nginx, return 200 "ok\n" --------------------------------------------
nginx_conf() { # nginx_conf DIR SERVER-BLOCK-AND-MORE: a 1-worker nginx writing only inside DIR
    local dir="$1"
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
$2
}
EOF
}
nginx_start() { # nginx_start NAME CPUS
    nginx -t -q -p "$work/$1" -c "$work/$1/nginx.conf" -e "$work/$1/error.log" -g 'daemon off;' ||
        die "$1: nginx -t failed"
    start "$1" "$2" nginx -p "$work/$1" -c "$work/$1/nginx.conf" -e "$work/$1/error.log" -g 'daemon off;'
}

nginx_conf "$work/upstream" "    server {
        listen 127.0.0.1:$P_UP backlog=4096;
        location / { return 200 \"ok\\n\"; }
        location = /__status { stub_status; }
    }"
nginx_start upstream "$PROXY_CPU"
wait_body "http://127.0.0.1:$P_UP/" ok 10 || {
    alive_or_die upstream
    die "upstream does not answer"
}
url_of[direct]="http://127.0.0.1:$P_UP/"
pid_of[direct]="${pid_of[upstream]}"

# --- haproxy -----------------------------------------------------------------------------------
if [[ " $TARGETS " == *" haproxy "* ]]; then
    mkdir -p "$work/haproxy"
    cat >"$work/haproxy/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s

frontend bench
    bind 127.0.0.1:$P_HA
    default_backend upstream

backend upstream
    server up1 127.0.0.1:$P_UP
EOF
    haproxy -c -q -f "$work/haproxy/haproxy.cfg" || die "haproxy -c failed"
    start haproxy "$PROXY_CPU" haproxy -f "$work/haproxy/haproxy.cfg" -db
    url_of[haproxy]="http://127.0.0.1:$P_HA/"
fi

# --- nginx as the reverse proxy ----------------------------------------------------------------
if [[ " $TARGETS " == *" nginx "* ]]; then
    nginx_conf "$work/nginx" "    upstream bench_upstream {
        server 127.0.0.1:$P_UP;
        keepalive 64;
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$P_NG backlog=4096;
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
    nginx_start nginx "$PROXY_CPU"
    url_of[nginx]="http://127.0.0.1:$P_NG/"
fi

# --- sc-agent: the embedded registry, the upstream registered in it, the agents ---------------
agent_dir() { # agent_dir NAME PROXY-PORT API-PORT THREADS [GOVERNANCE]
    local dir="$work/$1"
    mkdir -p "$dir/services.d"
    cat >"$dir/services.d/bench-client.yaml" <<EOF
servicecomb:
  service:
    app: bench
    name: bench-client
    version: 1.0.0
  instance:
    endpoints: []
EOF
    cat >"$dir/agent.yaml" <<EOF
registry:
  addresses: [http://127.0.0.1:$P_REG]
config_center:
  addresses: []
services: [services.d]
listen:
  proxy: 127.0.0.1:$2
  api: 127.0.0.1:$3
cache:
  snapshot_path: ""
drain: {delay: 0s, timeout: 2s}
log: {level: warn}
threads: $4
EOF
    if [ -n "${5:-}" ]; then
        echo "governance_file: governance.yaml" >>"$dir/agent.yaml"
        cat "$here/governance-gov.yaml" >"$dir/governance.yaml"
        if [ "$5" = allgov ]; then
            cat "$here/governance-allgov.yaml" >>"$dir/governance.yaml"
        fi
    fi
    "$SC_AGENT" validate --config "$dir/agent.yaml" >"$dir/validate.log" 2>&1 || {
        cat "$dir/validate.log" >&2
        die "$1: sc-agent validate failed"
    }
}

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

if ((uses_agent)); then
    start registry "$LOAD_CPU" "$SC_AGENT" dev-registry --listen "127.0.0.1:$P_REG" --kie-listen ""
    sc="http://127.0.0.1:$P_REG/v4/default/registry"
    wait_body "$sc/health" "" 10 || {
        alive_or_die registry
        die "the dev registry does not answer"
    }
    created="$(curl -sf -X POST -H 'Content-Type: application/json' "$sc/microservices" \
        -d '{"service":{"appId":"bench","serviceName":"bench-upstream","version":"1.0.0"}}')" ||
        die "creating service bench-upstream failed"
    service_id="$(json_field serviceId <<<"$created")"
    # A 40 min lease (600 s x (3+1)), renewed every minute anyway.
    registered="$(curl -sf -X POST -H 'Content-Type: application/json' \
        "$sc/microservices/$service_id/instances" \
        -d '{"instance":{"hostName":"bench","endpoints":["rest://127.0.0.1:'"$P_UP"'"],"status":"UP","healthCheck":{"mode":"push","interval":600,"times":3}}}')" ||
        die "registering the bench-upstream instance failed"
    instance_id="$(json_field instanceId <<<"$registered")"
    heartbeat() {
        while sleep 60; do
            curl -s -o /dev/null -X PUT "$sc/microservices/$service_id/instances/$instance_id/heartbeat"
        done
    }
    heartbeat >/dev/null 2>&1 &
    started+=($!)
    taskset -pc "$LOAD_CPU" $! >/dev/null

    declare -A agent_ports=(
        [sc-agent]="$P_A1 $P_A1API 1 $PROXY_CPU"
        [sc-agent+gov]="$P_AG $P_AGAPI 1 $PROXY_CPU gov"
        [sc-agent+allgov]="$P_AA $P_AAAPI 1 $PROXY_CPU allgov"
        [sc-agent-t2]="$P_A2 $P_A2API 2 $PROXY_CPU-$LOAD_CPU"
        [sc-agent-uring]="$P_AU $P_AUAPI 1 $PROXY_CPU"
    )
    for t in $TARGETS; do
        [[ "$t" == sc-agent* ]] || continue
        read -r proxy_port api_port threads cpus gov <<<"${agent_ports[$t]}"
        agent_dir "$t" "$proxy_port" "$api_port" "$threads" "${gov:-}"
        binary="$SC_AGENT"
        [ "$t" != sc-agent-uring ] || binary="$SC_AGENT_URING"
        start "$t" "$cpus" "$binary" run --config "$work/$t/agent.yaml"
        url_of[$t]="http://127.0.0.1:$proxy_port/bench-upstream/"
        wait_body "http://127.0.0.1:$api_port/readyz" "" 20 || {
            alive_or_die "$t"
            cat "$work/$t.log" >&2
            die "$t: /readyz is not 200"
        }
        if [ -n "${gov:-}" ]; then
            curl -s "http://127.0.0.1:$api_port/v1/agent/governance" >"$work/$t/governance.json"
            python3 - "$work/$t/governance.json" "$gov" 2>"$work/$t/policies.txt" <<'EOF' || die "$t: the governance policies are not loaded (see $work/$t/governance.json)"
import json, sys
doc = json.load(open(sys.argv[1]))
items = {i["key"]: i for i in doc.get("items", [])}
kinds = ["matchGroup", "retry", "loadbalance"]
if sys.argv[2] == "allgov":
    kinds += ["rateLimiting", "bulkhead", "circuitBreaker", "faultInjection",
              "instanceIsolation", "timeLimiter"]
want = [f"servicecomb.{k}.all" for k in kinds]
bad = [k for k in want if k not in items or items[k].get("status") != "ok"]
for k in want:
    i = items.get(k, {})
    print(f"{k} {i.get('status')} ({i.get('enforcement')})", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
            log "$t policies: $(paste -sd';' "$work/$t/policies.txt")"
        fi
    done
fi

# --- every target answers "ok" ----------------------------------------------------------------
for t in $TARGETS; do
    [ "$t" = direct ] || alive_or_die "$t"
    wait_body "${url_of[$t]}" ok 30 || {
        log "$t log:"
        cat "$work/$t.log" >&2 || true
        die "$t: ${url_of[$t]} does not answer 200 \"ok\""
    }
done
log "all targets answer: $(for t in $TARGETS; do printf '%s=%s ' "$t" "${url_of[$t]}"; done)"

# --- machine and versions ---------------------------------------------------------------------
upstream_counters() { # connections accepted and requests served by the upstream so far
    curl -s "http://127.0.0.1:$P_UP/__status" | awk 'NR == 3 {print $1, $3}'
}
run_wrk() { # run_wrk CONNS SECONDS URL OUTFILE
    taskset -c "$LOAD_CPU" wrk -t1 -c"$1" -d"$2"s --latency "$3" >"$4" 2>&1 || true
}
{
    echo "# sc-agent proxy benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- command: \`ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CONNS=\"$CONNS\" TARGETS=\"$TARGETS\" $command_line\`"
    echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- haproxy: $(haproxy -v 2>&1 | head -1)"
    echo "- nginx: $(nginx -v 2>&1 | head -1)"
    echo "- wrk: $(wrk -v 2>&1 | head -1)"
    if ((uses_agent)); then
        echo "- sc-agent: $("$SC_AGENT" --version 2>&1 | head -1) ($SC_AGENT, commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'))"
    fi
    if [[ " $TARGETS " == *" sc-agent-uring "* ]]; then
        echo "- sc-agent-uring: $("$SC_AGENT_URING" --version 2>&1 | head -1) ($SC_AGENT_URING)"
    fi
    for g in sc-agent+gov sc-agent+allgov; do
        [ -f "$work/$g/policies.txt" ] || continue
        echo "- $g policies (/v1/agent/governance: status (enforcement)): $(paste -sd';' "$work/$g/policies.txt" | sed 's/;/; /g')"
    done
    echo "- pinning: upstream, haproxy, nginx, sc-agent, sc-agent+gov, sc-agent+allgov, sc-agent-uring on core $PROXY_CPU; sc-agent-t2 (threads: 2) on cores $PROXY_CPU-$LOAD_CPU; wrk (-t1) and the dev registry on core $LOAD_CPU"
    echo "- load: \`wrk -t1 -c{$CONNS} -d${DURATION}s --latency\`, $ROUNDS interleaved round(s) (each round: every target at each concurrency), ${WARMUP}s warm-up at c32 per target first"
    echo "- CPU: utime+stime of the target's process tree (/proc/PID/stat) over a run / requests × 1000; for direct, the upstream nginx itself"
    echo "- upstream conns/reqs: connections the upstream accepted and requests it served during a run (nginx stub_status): shows keep-alive reuse and retries"
    echo "- RSS: VmRSS summed over the process tree after start and warm-up (idle); peak: the largest of VmHWM after the runs and VmRSS after each run"
    echo
} >"$OUT/meta.md"

# --- warm-up and idle RSS ---------------------------------------------------------------------
for t in $TARGETS; do
    log "warm-up $t (${WARMUP}s, c32)"
    run_wrk 32 "$WARMUP" "${url_of[$t]}" "$raw/warmup-$t.txt"
done
sleep 1
declare -A binary_of=([direct]=nginx [haproxy]=haproxy [nginx]=nginx [sc-agent-uring]="$SC_AGENT_URING")
declare -A floor_of=()
for t in $TARGETS; do
    {
        printf '%s\tidle\t%s\n' "$t" "$(mem_kib VmRSS "${pid_of[$t]}")"
        printf '%s\tidle_pss\t%s\n' "$t" "$(rollup_kib Pss "${pid_of[$t]}")"
        printf '%s\tidle_private\t%s\n' "$t" \
            "$(rollup_kib "Private_Clean Private_Dirty" "${pid_of[$t]}")"
        binary="$(command -v "${binary_of[$t]:-$SC_AGENT}")"
        # One probe per binary: the agent variants share theirs.
        [ -n "${floor_of[$binary]+set}" ] || floor_of[$binary]="$(library_floor "$binary")"
        floor="${floor_of[$binary]}"
        # Per process: nginx's master and worker each load the libraries (VmRSS counts both).
        processes="$(tree_pids "${pid_of[$t]}" | wc -l)"
        [ -z "$floor" ] || printf '%s\tfloor\t%s\n' "$t" "$((floor * processes))"
    } >>"$OUT/mem.tsv"
done

# --- interleaved rounds -------------------------------------------------------------------------
for round in $(seq "$ROUNDS"); do
    for t in $TARGETS; do
        for c in $CONNS; do
            log "round $round/$ROUNDS: $t c$c (${DURATION}s)"
            file="$raw/$t-c$c-r$round.txt"
            read -r accepts_before requests_before < <(upstream_counters)
            before="$(ticks "${pid_of[$t]}")"
            up_before="$(ticks "${pid_of[upstream]}")"
            run_wrk "$c" "$DURATION" "${url_of[$t]}" "$file"
            after="$(ticks "${pid_of[$t]}")"
            up_after="$(ticks "${pid_of[upstream]}")"
            read -r accepts_after requests_after < <(upstream_counters)
            # The counters include the status request itself (one connection, one request).
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$c" "$round" "$((after - before))" \
                "$((up_after - up_before))" "$((accepts_after - accepts_before - 1))" \
                "$((requests_after - requests_before - 1))" >>"$OUT/runs.tsv"
            printf '%s\trss\t%s\n' "$t" "$(mem_kib VmRSS "${pid_of[$t]}")" >>"$OUT/mem.tsv"
            python3 "$here/bench.py" check-wrk "$file" >&2 || log "WARNING: $t c$c round $round had errors (see $file)"
            sleep 1
        done
    done
done

for t in $TARGETS; do
    [ "$t" = direct ] || alive_or_die "$t"
    printf '%s\tpeak\t%s\n' "$t" "$(mem_kib VmHWM "${pid_of[$t]}")" >>"$OUT/mem.tsv"
done

{
    cat "$OUT/meta.md"
    echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    python3 "$here/bench.py" report --out "$OUT" --targets "$TARGETS" --conns "$CONNS" \
        --clk-tck "$(getconf CLK_TCK)"
} >"$OUT/results.md"
cat "$OUT/results.md"
log "written: $OUT/results.md (raw wrk outputs in $raw, configs and logs in $work)"
