#!/usr/bin/env python3
"""The soak: one consumer agent under mixed load for a long while, with everything else real.

    bench/soak/soak.py [--minutes 10] [--idle 3000] [--blocking 2000] [--agent PATH] [--out DIR]

What runs (all on loopback, each in its own process):
  * a dev registry (`sc-agent dev-registry`);
  * two instances of the provider `orders`: each an nginx (the app) with its own sidecar agent that
    registers it;
  * the consumer agent under test, for the service `web` (dependencies: orders, churn);
  * proxy load: wrk through the consumer's proxy to `orders` for the whole run;
  * discovery load: a client asking `instances` and `select` in a loop;
  * registry churn: instances of `churn` registered and deleted all the time (the consumer caches
    `churn`, so its cache, watch and snapshot change every few hundred milliseconds);
  * `--idle` keep-alive connections to the consumer's proxy, each silent but for one request
    every 40 s (the proxy closes a client connection silent for 60 s: client_idle_timeout);
  * `--blocking` blocking queries (`index` + `wait=5m`) held on the consumer's local API;
  * a rolling restart of `orders` at 40 % and 70 % of the run: SIGTERM the sidecar (it marks the
    instance DOWN, waits drain.delay, deregisters), stop nginx gracefully, start both again and
    wait until the consumer sees the instance UP; then the other instance.

The consumer's RSS and open file count are sampled every second (rss.csv in --out). The summary
gives RSS at the start of the load, its maximum and at the end, the requests wrk made and every
kind of failure it saw, and what happened to the held connections and queries.
"""

import argparse
import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_for(what, predicate, timeout=60.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out waiting for {what}")


def port_in(path, pattern, proc):
    def found():
        if proc.poll() is not None:
            raise RuntimeError(f"{path}: exited with {proc.returncode}:\n{open(path).read()[-2000:]}")
        match = re.search(pattern, open(path).read())
        return int(match.group(1)) if match else None
    return wait_for(f"{pattern!r} in {path}", found)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(pid):
    rss = fds = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds


def get(port, path, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.read(), dict(answer.getheaders())
    finally:
        conn.close()


class Soak:
    def __init__(self, args):
        self.args = args
        self.work = args.out or tempfile.mkdtemp(prefix="sc-agent-soak-")
        os.makedirs(self.work, exist_ok=True)
        self.procs = {}
        self.stop = threading.Event()
        self.counts = {"discovery_ok": 0, "discovery_failed": 0, "churn_ops": 0, "churn_failed": 0,
                       "blocking_answered": 0, "blocking_failed": 0, "restarts": 0,
                       "idle_answered": 0, "idle_failed": 0}
        self.lock = threading.Lock()
        self.failures = {}

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    # --- processes -------------------------------------------------------------------------
    def start(self, name, argv, **kwargs):
        out = open(os.path.join(self.work, f"{name}.log"), "a")
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **kwargs)
        self.procs[name] = proc
        return proc

    def stop_proc(self, name, sig=signal.SIGTERM, timeout=30):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return None
        proc.send_signal(sig)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def start_nginx(self, name, port):
        root = os.path.join(self.work, name)
        os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
        with open(os.path.join(root, "nginx.conf"), "w") as conf:
            conf.write(f"""worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    keepalive_requests 100000000;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{ return 200 "{name}\\n"; }}
    }}
}}
""")
        self.start(name, ["nginx", "-p", root, "-c", os.path.join(root, "nginx.conf"),
                          "-e", os.path.join(root, "error.log"), "-g", "daemon off;"])
        wait_for(f"{name} on {port}", lambda: self._answers(port))

    @staticmethod
    def _answers(port):
        try:
            return get(port, "/", timeout=1)[0] == 200
        except OSError:
            return False

    def agent_config(self, name, descriptor, snapshot=""):
        services = os.path.join(self.work, f"{name}.d")
        os.makedirs(services, exist_ok=True)
        with open(os.path.join(services, "service.yaml"), "w") as f:
            f.write(descriptor)
        path = os.path.join(self.work, f"{name}.yaml")
        with open(path, "w") as f:
            f.write(f"""registry: {{addresses: [http://127.0.0.1:{self.sc_port}], refresh_interval: 5s}}
config_center: {{addresses: [http://127.0.0.1:{self.kie_port}]}}
services: [{services}]
listen: {{proxy: 127.0.0.1:0, api: 127.0.0.1:0}}
cache: {{snapshot_path: "{snapshot}"}}
drain: {{delay: 2s, timeout: 10s}}
""")
        return path

    def start_agent(self, name, descriptor, snapshot=""):
        config = self.agent_config(name, descriptor, snapshot)
        log_path = os.path.join(self.work, f"{name}.log")
        offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        proc = self.start(name, [self.args.agent, "run", "--config", config])

        def tail():
            with open(log_path) as f:
                f.seek(offset)
                return f.read()

        api = wait_for(f"{name} API port", lambda: (m := re.search(r"local API on port (\d+)", tail())) and int(m.group(1)))
        proxy = wait_for(f"{name} proxy port", lambda: (m := re.search(r"sc-agent: proxy on 127\.0\.0\.1:(\d+)", tail())) and int(m.group(1)))
        wait_for(f"{name} ready", lambda: self._ready(api, proc), timeout=60)
        return proc, api, proxy

    @staticmethod
    def _ready(api, proc):
        if proc.poll() is not None:
            raise RuntimeError(f"agent exited with {proc.returncode}")
        try:
            return get(api, "/readyz", timeout=2)[0] == 200
        except OSError:
            return False

    def provider_descriptor(self, port):
        return f"""servicecomb:
  service: {{app: shop, name: orders, version: 1.0.0}}
  instance:
    endpoints: [rest://127.0.0.1:{port}]
    healthCheck: {{interval: 5, times: 3}}
"""

    def start_provider(self, index):
        port = self.provider_ports[index]
        self.start_nginx(f"orders-app-{index}", port)
        self.start_agent(f"orders-agent-{index}", self.provider_descriptor(port))

    def up_orders(self):
        status, body, _ = get(self.api, "/v1/services/orders/instances?app=shop")
        if status != 200:
            return []
        return [i["port"] for i in json.loads(body)["instances"]]

    # --- load ------------------------------------------------------------------------------
    def discovery_loop(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.api, timeout=10)
        paths = ["/v1/services/orders/instances?app=shop", "/v1/services/orders/select?app=shop",
                 "/v1/services/churn/instances?app=shop"]
        n = 0
        while not self.stop.is_set():
            path = paths[n % len(paths)]
            n += 1
            try:
                conn.request("GET", path)
                answer = conn.getresponse()
                answer.read()
                # 503 NO_INSTANCE is a correct answer for churn when it has nothing registered
                # churn may have no instance (503) or not be known yet (404: the consumer refreshes
                # a missing service every refresh_interval; no watch event announces a new one)
                ok = answer.status == 200 or (answer.status in (404, 503) and "churn" in path)
                self.count("discovery_ok" if ok else "discovery_failed")
                if not ok:
                    with self.lock:
                        key = f"{path.split('?')[0]} {answer.status}"
                        self.failures[key] = self.failures.get(key, 0) + 1
            except (OSError, http.client.HTTPException):
                self.count("discovery_failed")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.api, timeout=10)
            time.sleep(0.005)

    def churn_loop(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.sc_port, timeout=10)

        def call(method, path, body=None):
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            answer = conn.getresponse()
            return answer.status, answer.read()

        status, body = call("POST", "/v4/default/registry/microservices",
                            {"service": {"appId": "shop", "serviceName": "churn", "version": "1.0.0"}})
        service_id = json.loads(body)["serviceId"]
        live = []
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                if len(live) < 20:
                    status, body = call("POST", f"/v4/default/registry/microservices/{service_id}/instances",
                                        {"instance": {"serviceId": service_id, "hostName": f"churn-{n}",
                                                      "endpoints": [f"rest://127.0.0.2:{10000 + n % 50000}"],
                                                      "healthCheck": {"mode": "push", "interval": 600, "times": 3}}})
                    if status == 200:
                        live.append(json.loads(body)["instanceId"])
                else:
                    status, _ = call("DELETE", f"/v4/default/registry/microservices/{service_id}/instances/{live.pop(0)}")
                self.count("churn_ops" if status == 200 else "churn_failed")
            except (OSError, http.client.HTTPException):
                self.count("churn_failed")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.sc_port, timeout=10)
            time.sleep(0.1)

    def idle_loop(self):
        """--idle keep-alive clients of the proxy: each sends one request every `idle_period`
        seconds (below the proxy's 60 s client idle timeout) and is silent in between."""
        sel = selectors.DefaultSelector()
        request = b"GET /orders/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sc-Consumer: web\r\n\r\n"
        period = self.args.idle_period
        sockets = []
        for n in range(self.args.idle):
            s = socket.create_connection(("127.0.0.1", self.proxy), timeout=10)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, n)
            # Spread the requests over the period so the idle set is never a burst.
            sockets.append([s, time.monotonic() + period * n / self.args.idle, False])
        log(f"{len(sockets)} idle keep-alive connections open on the proxy")
        self.idle_ready.set()
        while not self.stop.is_set():
            now = time.monotonic()
            for entry in sockets:
                s, due, waiting = entry
                if s is not None and not waiting and now >= due:
                    try:
                        s.send(request)
                        entry[2] = True
                    except OSError:
                        self.count("idle_failed")
                        entry[0] = None
            for key, _ in sel.select(timeout=0.2):
                entry = sockets[key.data]
                try:
                    chunk = key.fileobj.recv(65536)
                except OSError:
                    chunk = b""
                if chunk.startswith(b"HTTP/1.1 200"):
                    self.count("idle_answered")
                    entry[1] = time.monotonic() + period
                    entry[2] = False
                else:  # closed by the agent, or a failed answer
                    self.count("idle_failed")
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    entry[0] = None
        self.idle_open = sum(1 for entry in sockets if entry[0] is not None)
        for entry in sockets:
            if entry[0] is not None:
                entry[0].close()

    def blocking_loop(self):
        """Holds --blocking queries on the local API; each answered one is asked again at once."""
        sel = selectors.DefaultSelector()
        status, _, headers = get(self.api, "/v1/services/orders/instances?app=shop")
        index = headers.get("X-Sc-Agent-Index", "0")

        def ask(sock_index=None):
            s = socket.create_connection(("127.0.0.1", self.api), timeout=10)
            s.setblocking(False)
            request = (f"GET /v1/services/orders/instances?app=shop&index={self.current_index}&wait=5m HTTP/1.1\r\n"
                       f"Host: 127.0.0.1\r\nConnection: close\r\n\r\n").encode()
            s.sendall(request)
            sel.register(s, selectors.EVENT_READ, bytearray())

        self.current_index = index
        for _ in range(self.args.blocking):
            ask()
        log(f"{self.args.blocking} blocking queries held at index {index}")
        self.blocking_ready.set()
        while not self.stop.is_set():
            for key, _ in sel.select(timeout=0.5):
                s, buf = key.fileobj, key.data
                try:
                    chunk = s.recv(65536)
                except OSError:
                    chunk = b""
                    self.count("blocking_failed")
                if chunk:
                    buf.extend(chunk)
                    continue
                sel.unregister(s)
                s.close()
                head = bytes(buf[:64])
                if head.startswith(b"HTTP/1.1 200"):
                    self.count("blocking_answered")
                    match = re.search(rb"X-Sc-Agent-Index: (\d+)", bytes(buf), re.I)
                    if match:
                        self.current_index = match.group(1).decode()
                else:
                    self.count("blocking_failed")
                if not self.stop.is_set():
                    ask()
        self.blocking_open = len(sel.get_map())
        for key in list(sel.get_map().values()):
            key.fileobj.close()

    def sampler(self, path):
        with open(path, "w") as out:
            out.write("seconds,rss_kib,open_files\n")
            started = time.monotonic()
            while not self.stop.is_set():
                rss, fds = status_of(self.consumer.pid)
                elapsed = time.monotonic() - started
                self.samples.append((elapsed, rss, fds))
                out.write(f"{elapsed:.0f},{rss},{fds}\n")
                out.flush()
                self.stop.wait(1.0)

    def rolling_restart(self):
        for index in range(2):
            port = self.provider_ports[index]
            log(f"rolling restart: orders instance {index} (port {port})")
            code = self.stop_proc(f"orders-agent-{index}")
            wait_for("the instance gone from the consumer", lambda: port not in self.up_orders(), timeout=30)
            self.stop_proc(f"orders-app-{index}", sig=signal.SIGQUIT)  # nginx: graceful shutdown
            log(f"  sidecar exited {code}, app stopped; starting both again")
            self.start_provider(index)
            wait_for("the instance back in the consumer", lambda: port in self.up_orders(), timeout=60)
            self.count("restarts")
        log("rolling restart done")

    # --- the run ---------------------------------------------------------------------------
    def run(self):
        args = self.args
        registry = self.start("registry", [args.agent, "dev-registry", "--listen", "127.0.0.1:0",
                                           "--kie-listen", "127.0.0.1:0"])
        registry_log = os.path.join(self.work, "registry.log")
        self.sc_port = port_in(registry_log, r"service center on http://127\.0\.0\.1:(\d+)", registry)
        self.kie_port = port_in(registry_log, r"kie on http://127\.0\.0\.1:(\d+)", registry)
        self.provider_ports = [free_port(), free_port()]
        for index in range(2):
            self.start_provider(index)
        consumer_descriptor = """servicecomb:
  service: {app: shop, name: web, version: 1.0.0}
  instance:
    endpoints: [rest://127.0.0.1:1]
  dependencies:
    - {app: shop, name: orders}
    - {app: shop, name: churn}
"""
        self.consumer, self.api, self.proxy = self.start_agent(
            "consumer", consumer_descriptor, snapshot=os.path.join(self.work, "consumer-cache.json"))
        wait_for("both orders instances in the consumer", lambda: len(self.up_orders()) == 2)
        log(f"consumer: API {self.api}, proxy {self.proxy}, pid {self.consumer.pid}; work dir {self.work}")

        self.samples = []
        self.blocking_ready = threading.Event()
        self.idle_ready = threading.Event()
        self.blocking_open = 0
        self.idle_open = 0
        threads = [threading.Thread(target=self.sampler, args=(os.path.join(self.work, "rss.csv"),)),
                   threading.Thread(target=self.discovery_loop),
                   threading.Thread(target=self.churn_loop),
                   threading.Thread(target=self.blocking_loop),
                   threading.Thread(target=self.idle_loop)]
        for t in threads:
            t.start()
        self.blocking_ready.wait(timeout=120)
        self.idle_ready.wait(timeout=120)

        duration = int(args.minutes * 60)
        wrk = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{duration}s", "--timeout", "5s",
                                "-H", "X-Sc-Consumer: web", f"http://127.0.0.1:{self.proxy}/orders/"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started = time.monotonic()
        for share in (0.4, 0.7):
            delay = started + duration * share - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.rolling_restart()
        wrk_out, _ = wrk.communicate()
        self.stop.set()
        for t in threads:
            t.join()
        consumer_alive = self.consumer.poll() is None
        self.report(wrk_out, consumer_alive)

    def report(self, wrk_out, consumer_alive):
        def first(pattern, default="0"):
            match = re.search(pattern, wrk_out)
            return match.group(1) if match else default

        requests = int(first(r"(\d+) requests in"))
        non2xx = int(first(r"Non-2xx or 3xx responses: (\d+)"))
        socket_errors = first(r"Socket errors: (.*)", "none")
        rps = first(r"Requests/sec:\s+([\d.]+)")
        samples = self.samples
        start_rss = samples[min(5, len(samples) - 1)][1]
        max_rss = max(s[1] for s in samples)
        end_rss = samples[-1][1]
        max_fds = max(s[2] for s in samples)
        c = self.counts
        print(f"""
soak: {self.args.minutes} min, consumer agent {self.args.agent}, work dir {self.work}

| measure | value |
|---|---|
| consumer RSS at start / max / end | {start_rss / 1024:.1f} / {max_rss / 1024:.1f} / {end_rss / 1024:.1f} MiB |
| consumer open files (max) | {max_fds} |
| proxy requests (wrk, c{self.args.connections}) | {requests:,} ({rps} req/s) |
| proxy non-2xx answers | {non2xx} |
| proxy socket errors | {socket_errors} |
| rolling restarts of orders instances | {c['restarts']} |
| idle keep-alive connections: answers / failures / still open at the end | {c['idle_answered']:,} / {c['idle_failed']} / {self.idle_open} of {self.args.idle} |
| blocking queries answered (on change) / failed / still held | {c['blocking_answered']} / {c['blocking_failed']} / {self.blocking_open} of {self.args.blocking} |
| discovery calls ok / failed | {c['discovery_ok']:,} / {c['discovery_failed']} |
| registry churn operations ok / failed | {c['churn_ops']:,} / {c['churn_failed']} |
| consumer alive at the end | {consumer_alive} |
""")
        if self.failures:
            print("failed discovery calls by route and status:", self.failures)
        failed = (non2xx + (0 if socket_errors == "none" else 1) + c["blocking_failed"] +
                  c["discovery_failed"] + c["idle_failed"])
        held = self.idle_open == self.args.idle and self.blocking_open == self.args.blocking
        print("result:", "PASS" if failed == 0 and consumer_alive and held else "FAIL")
        with open(os.path.join(self.work, "wrk.txt"), "w") as f:
            f.write(wrk_out)

    def cleanup(self):
        self.stop.set()
        for name in list(self.procs):
            self.stop_proc(name, timeout=15)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--idle", type=int, default=3000)
    parser.add_argument("--blocking", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--idle-period", type=float, default=40.0,
                        help="seconds between two requests of one idle connection")
    parser.add_argument("--agent", default=os.path.join(REPO, "build/release/agent/sc-agent"))
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    soak = Soak(args)
    try:
        soak.run()
    finally:
        soak.cleanup()


if __name__ == "__main__":
    main()
