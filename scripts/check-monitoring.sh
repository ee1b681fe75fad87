#!/usr/bin/env bash
# Checks the monitoring files against the real agent:
#   promtool check config / check rules on packaging/monitoring/prometheus/,
#   promtool check metrics on a live /metrics of a running agent (with proxy traffic, so the
#   per-service series exist), and every sc_agent_* name of the dashboard and the alert rules
#   present in that /metrics.
# Usage: scripts/check-monitoring.sh [BINARY]   (default build/debug/agent/sc-agent, built first)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
monitoring=packaging/monitoring
binary="${1:-}"

# promtool comes from Debian's prometheus package, unpacked under .cache/ rather than installed:
# installing it would pull a web UI's dependencies and start a Prometheus server.
promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
    promtool=$root/.cache/prometheus/usr/bin/promtool
    if [ ! -x "$promtool" ]; then
        echo "check-monitoring: fetching Debian's prometheus package for promtool"
        mkdir -p .cache/prometheus-deb
        if ! (cd .cache/prometheus-deb && apt-get download -q prometheus); then
            sudo_cmd=()
            [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
            "${sudo_cmd[@]}" apt-get update -q
            (cd .cache/prometheus-deb && apt-get download -q prometheus)
        fi
        dpkg-deb -x .cache/prometheus-deb/prometheus_*.deb .cache/prometheus
        rm -rf .cache/prometheus-deb
    fi
fi

"$promtool" check config "$monitoring/prometheus/prometheus.yml"
"$promtool" check rules "$monitoring/prometheus/sc-agent-alerts.yml"

if [ -z "$binary" ]; then
    scripts/setup.sh debug sc-agent
    binary=build/debug/agent/sc-agent
fi
binary=$(realpath "$binary")

# A dev registry, a provider app (python's http.server) and the agent, each on a port the kernel
# picks (read back from its output: no port is freed and reused, so none can be taken in
# between); `dead` is registered on a port that is bound but never listens, so calls to it fail.
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Waits (polling another process's state; the deadline only turns a hang into a failure).
wait_for() {
    local what=$1
    shift
    for _ in $(seq 600); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    echo "check-monitoring: timed out waiting for $what" >&2
    tail -n 20 "$work"/*.log >&2
    return 1
}
# The first number after `prefix` in `file`, once it is there.
port_in() {
    local file=$1 prefix=$2
    wait_for "'$prefix' in $file" grep -qE "$prefix[0-9]+" "$file"
    grep -oE "$prefix[0-9]+" "$file" | head -n 1 | grep -oE '[0-9]+$'
}

"$binary" dev-registry --listen 127.0.0.1:0 --kie-listen 127.0.0.1:0 >"$work/registry.log" 2>&1 &
pids+=($!)
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work" >"$work/web.log" 2>&1 &
pids+=($!)
python3 -u -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print("bound port", s.getsockname()[1])
time.sleep(1e6)' >"$work/dead.log" 2>&1 &
pids+=($!)
sc=$(port_in "$work/registry.log" "service center on http://127.0.0.1:")
kie=$(port_in "$work/registry.log" "kie on http://127.0.0.1:")
web=$(port_in "$work/web.log" "port ")
dead=$(port_in "$work/dead.log" "bound port ")

mkdir -p "$work/services.d"
for service in web dead; do
    port=${!service}
    cat >"$work/services.d/$service.yaml" <<YAML
servicecomb:
  service: {app: monitoring, name: $service, version: 1.0.0}
  instance:
    endpoints: [rest://127.0.0.1:$port]
    healthCheck: {interval: 1, times: 3}
YAML
done
# A circuit breaker on every call, so that its state gauge has series (none of them opens).
cat >"$work/governance.yaml" <<'YAML'
servicecomb.matchGroup.all: "matches:\n  - apiPath: {prefix: /}\n"
servicecomb.circuitBreaker.all: "minimumNumberOfCalls: 1000\n"
YAML
cat >"$work/agent.yaml" <<YAML
registry: {addresses: [http://127.0.0.1:$sc], refresh_interval: 1s}
config_center: {addresses: [http://127.0.0.1:$kie]}
governance_file: governance.yaml
services: [services.d]
listen: {proxy: 127.0.0.1:0, api: 127.0.0.1:0}
cache: {snapshot_path: ""}
drain: {delay: 0s, timeout: 2s}
YAML
"$binary" run --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
pids+=($!)
api=$(port_in "$work/agent.log" "local API on port ")
proxy=$(port_in "$work/agent.log" "sc-agent: proxy on 127.0.0.1:")
wait_for "the agent's /readyz" curl -sf "127.0.0.1:$api/readyz"

# Traffic: calls that succeed, calls to an instance that refuses connections.
for _ in 1 2 3; do
    curl -s -o /dev/null -H 'X-Sc-Consumer: web' "127.0.0.1:$proxy/web/"
    curl -s -o /dev/null -H 'X-Sc-Consumer: web' "127.0.0.1:$proxy/dead/"
done

names=$(grep -ohE 'sc_agent_[a-z_]+' "$monitoring/grafana/sc-agent-dashboard.json" \
    "$monitoring/prometheus/sc-agent-alerts.yml" | sort -u)
all_present() {
    curl -sf "127.0.0.1:$api/metrics" >"$work/metrics" || return 1
    for name in $names; do
        grep -qE "^$name(\{| )" "$work/metrics" || return 1
    done
}
if ! wait_for "every dashboard and alert metric in /metrics" all_present; then
    for name in $names; do
        grep -qE "^$name(\{| )" "$work/metrics" || echo "  missing: $name" >&2
    done
    exit 1
fi
echo "check-monitoring: all $(echo "$names" | wc -l) sc_agent_* names of the dashboard and alerts are in /metrics"

"$promtool" check metrics <"$work/metrics"
echo "check-monitoring: promtool check metrics: clean ($(grep -c '^sc_agent_' "$work/metrics") sc_agent_* samples)"
