#!/usr/bin/env python3
"""What the provider cache costs in memory: the agent's RSS with N provider instances cached.

A dev registry (its own process, so its memory is not counted) holds one provider service with
N instances shaped like real ones (two endpoints, a host name, a data center, five properties).
An agent tracks the provider through the local API and the proxy (so the proxy's per-loop views
of the set are counted too), then the registry churns: every round updates a tenth of the
instances' properties, and the agent pulls the changed set again. RSS (VmRSS of the agent) is
read before the provider is tracked, once the full set is cached, and after the churn.

    bench/cache/memory.py [--instances 10000] [--rounds 5] [--agent build/release/agent/sc-agent]

Prints one table row per phase and the cost per instance (growth over the baseline / N). The
target of issue 15 is <= 20 MiB growth for 10k instances.
"""

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_for_port(log_path, pattern, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{log_path}: exited with {proc.returncode}:\n" + open(log_path).read())
        match = re.search(pattern, open(log_path).read())
        if match:
            return int(match.group(1))
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {pattern!r} in {log_path}")


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json"} if data else {}
        hdrs.update(headers or {})
        self.conn.request(method, path, body=data, headers=hdrs)
        answer = self.conn.getresponse()
        payload = answer.read()
        return answer.status, payload


def instance_body(service_id, i, generation):
    third, fourth = divmod(i, 250)
    host = f"10.{third // 250}.{third % 250}.{fourth + 1}"
    return {
        "instance": {
            "serviceId": service_id,
            "hostName": f"orders-{i:05d}.pod.cluster.local",
            "endpoints": [f"rest://{host}:8080?sslEnabled=false", f"highway://{host}:7070"],
            "status": "UP",
            "properties": {
                "zone": f"az{i % 3}",
                "tag": "canary" if i % 10 == 0 else "stable",
                "build": f"2026.12.{generation}",
                "owner": "team-orders",
                "weight": str(100 + i % 7),
            },
            "healthCheck": {"mode": "push", "interval": 3600, "times": 3},
            "dataCenterInfo": {"name": "dc1", "region": "eu-west", "availableZone": f"az{i % 3}"},
        }
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wrap", default="",
                        help="command the agent (not the registry) runs under, e.g. 'heaptrack'")
    parser.add_argument("--agent", default=os.path.join(REPO, "build/release/agent/sc-agent"))
    args = parser.parse_args()
    n = args.instances

    work = tempfile.mkdtemp(prefix="sc-agent-cache-mem-")
    procs = []
    try:
        registry_log = os.path.join(work, "registry.log")
        registry = subprocess.Popen(
            [args.agent, "dev-registry", "--listen", "127.0.0.1:0", "--kie-listen", "127.0.0.1:0"],
            stdout=open(registry_log, "w"), stderr=subprocess.STDOUT)
        procs.append(registry)
        sc_port = wait_for_port(registry_log, r"service center on http://127\.0\.0\.1:(\d+)", registry)
        kie_port = wait_for_port(registry_log, r"kie on http://127\.0\.0\.1:(\d+)", registry)

        sc = Client(sc_port)
        status, body = sc.call("POST", "/v4/default/registry/microservices", {
            "service": {"appId": "shop", "serviceName": "orders", "version": "1.0.0"}})
        assert status == 200, (status, body)
        service_id = json.loads(body)["serviceId"]
        instance_ids = []
        started = time.monotonic()
        for i in range(n):
            status, body = sc.call("POST", f"/v4/default/registry/microservices/{service_id}/instances",
                                   instance_body(service_id, i, 0))
            assert status == 200, (status, body)
            instance_ids.append(json.loads(body)["instanceId"])
        print(f"registered {n} instances in {time.monotonic() - started:.1f} s", file=sys.stderr)

        with open(os.path.join(work, "agent.yaml"), "w") as config:
            config.write(f"""registry: {{addresses: [http://127.0.0.1:{sc_port}], refresh_interval: 1s}}
config_center: {{addresses: [http://127.0.0.1:{kie_port}]}}
listen: {{proxy: 127.0.0.1:0, api: 127.0.0.1:0}}
services: []
cache: {{snapshot_path: {os.path.join(work, "cache.json")}}}
drain: {{delay: 0s, timeout: 2s}}
""")
        agent_log = os.path.join(work, "agent.log")
        agent = subprocess.Popen(args.wrap.split() + [args.agent, "run", "--config", os.path.join(work, "agent.yaml")],
                                 stdout=open(agent_log, "w"), stderr=subprocess.STDOUT)
        procs.append(agent)
        api_port = wait_for_port(agent_log, r"local API on port (\d+)", agent)
        proxy_port = wait_for_port(agent_log, r"sc-agent: proxy on 127\.0\.0\.1:(\d+)", agent)
        api = Client(api_port)
        status, _ = api.call("GET", "/readyz")
        time.sleep(1)
        baseline = rss_kib(agent.pid)

        def cached_count():
            status, body = api.call("GET", "/v1/services/orders/instances?app=shop")
            if status != 200:
                return -1, b""
            answer = json.loads(body)
            return len(answer["instances"]), answer["revision"]

        def wait_until_cached(expected_build):
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                count, _ = cached_count()
                if count == n:
                    status, body = api.call("GET", "/v1/services/orders/instances?app=shop&tags=build:" + expected_build)
                    if status == 200 and len(json.loads(body)["instances"]) >= n // 10:
                        return
                time.sleep(0.2)
            raise RuntimeError("the agent never cached the full set")

        wait_until_cached("2026.12.0")
        # The proxy resolves the provider too (its own view of the set); the upstream is not
        # reachable, so the call's answer does not matter, only that the proxy tracked it.
        proxy = Client(proxy_port)
        proxy.call("GET", "/orders/ping", headers={"Host": "orders", "X-Sc-App": "shop", "X-Sc-Consumer": "bench"})
        time.sleep(2)
        cached = rss_kib(agent.pid)

        peak = cached
        for generation in range(1, args.rounds + 1):
            for i in range(0, n, 10):
                body = {"properties": instance_body(service_id, i, generation)["instance"]["properties"]}
                status, answer = sc.call(
                    "PUT", f"/v4/default/registry/microservices/{service_id}/instances/{instance_ids[i]}/properties", body)
                assert status == 200, (status, answer)
            wait_until_cached(f"2026.12.{generation}")
            time.sleep(1.5)
            peak = max(peak, rss_kib(agent.pid))
        churned = rss_kib(agent.pid)

        def row(phase, kib):
            growth = kib - baseline
            print(f"| {phase} | {kib / 1024:.1f} | {growth / 1024:.1f} | {growth * 1024 / n:,.0f} |")

        print(f"\nagent {args.agent}, {n} instances, {args.rounds} churn rounds of {n // 10} updates\n")
        print("| phase | RSS MiB | growth MiB | bytes per instance |")
        print("|---|---:|---:|---:|")
        row("baseline (provider not tracked)", baseline)
        row("full set cached (API + proxy)", cached)
        row("max during churn", peak)
        row("after churn", churned)
        if os.environ.get("HOLD"):
            print(f"agent pid {agent.pid}; holding {os.environ['HOLD']} s", flush=True)
            time.sleep(float(os.environ["HOLD"]))
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
