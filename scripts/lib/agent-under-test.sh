# shellcheck shell=bash disable=SC2034  # sets variables for the script that sources it
# Sourced by the scripts that run the release agent against a dev registry and measure it
# (scripts/hot-functions.sh, bench/proxy/instructions.sh). Needs `work` (a scratch directory)
# and `agent` (the binary) set; defines p_reg/p_proxy/p_api, the provider `hot-upstream`
# (the dev registry itself: a keep-alive HTTP/1.1 server that answers 200), agent.yaml with
# `governance_file: governance.yaml` (the caller writes it), and start_agent/stop_agent.

read -r p_reg p_proxy p_api < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

"$agent" dev-registry --listen "127.0.0.1:$p_reg" --kie-listen "" >"$work/registry.log" 2>&1 &
sc="http://127.0.0.1:$p_reg/v4/default/registry"
for _ in $(seq 100); do curl -sf "$sc/health" >/dev/null && break; sleep 0.1; done

service_id="$(curl -sf -X POST -H 'Content-Type: application/json' "$sc/microservices" \
    -d '{"service":{"appId":"hot","serviceName":"hot-upstream","version":"1.0.0"}}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["serviceId"])')"
curl -sf -X POST -H 'Content-Type: application/json' "$sc/microservices/$service_id/instances" \
    -d "{\"instance\":{\"hostName\":\"hot\",\"endpoints\":[\"rest://127.0.0.1:$p_reg\"],\"status\":\"UP\",\"healthCheck\":{\"mode\":\"push\",\"interval\":600,\"times\":3}}}" >/dev/null
# What a call through the proxy asks the provider for.
upstream_url="http://127.0.0.1:$p_proxy/hot-upstream/v4/default/registry/health"

mkdir -p "$work/services.d"
cat >"$work/services.d/hot-client.yaml" <<'EOF'
servicecomb:
  service: {app: hot, name: hot-client, version: 1.0.0}
  instance: {endpoints: []}
EOF
cat >"$work/agent.yaml" <<EOF
registry: {addresses: [http://127.0.0.1:$p_reg]}
config_center: {addresses: []}
services: [services.d]
listen: {proxy: 127.0.0.1:$p_proxy, api: 127.0.0.1:$p_api}
cache: {snapshot_path: ""}
drain: {delay: 0s, timeout: 2s}
log: {level: warn}
threads: 1
governance_file: governance.yaml
EOF
: >"$work/governance.yaml"

# start_agent [WRAPPER...]: the agent on agent.yaml, under the command given, until ready.
start_agent() {
    (cd "$work" && exec "$@" "$agent" run --config "$work/agent.yaml") >"$work/agent.log" 2>&1 &
    agent_pid=$!
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$p_api/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$agent_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/agent.log" >&2
    echo "$(basename "$0"): the agent did not become ready" >&2
    exit 1
}

# Under a wrapper (perf, valgrind) the agent is its child: stopping it ends the wrapper, which
# writes its data.
stop_agent() {
    local child
    child="$(pgrep -P "$agent_pid" || true)"
    kill -TERM "${child:-$agent_pid}" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
}
