#!/usr/bin/env python3
"""The polyglot app's view of the proxy: call a provider through sc-agent with nothing but the
Python 3 standard library, over real sockets, against the real binary.

Starts `sc-agent dev-registry`, two providers (Python HTTP servers) registered in it over REST v4,
and `sc-agent run`; then, over one keep-alive connection to the proxy: path-style, Host-style and
absolute-URI calls, round robin over both providers, upstream connections reused, an 8 MiB answer
passed intact, NO_INSTANCE for an unknown service, and a host that is no discovered endpoint
refused and never dialled. CI runs it against the epoll and the io_uring release builds.

    python3 tests/e2e/proxy_through.py --binary build/release/agent/sc-agent
"""
import argparse
import http.client
import http.server
import json
import socket
import sys
import tempfile
import threading

from e2e_support import (Processes, call, create_service, eventually, expect,
                         register_instance, start_agent, start_dev_registry)

BIG = bytes(range(256)) * (8 * 4096)  # 8 MiB that a dropped or reordered chunk would change


class Provider:
    """A provider instance: answers `{name} {path}`, or BIG at /big; counts its connections."""

    def __init__(self, name):
        provider = self
        self.name = name
        self.connections = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the proxy's pool expects

            def setup(self):
                provider.connections += 1
                super().setup()

            def do_GET(self):
                body = BIG if self.path == "/big" else ("%s %s" % (name, self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()

    providers = [Provider("a"), Provider("b")]
    bystander = socket.socket()  # listens, is no instance's endpoint: must never be dialled
    bystander.bind(("127.0.0.1", 0))
    bystander.listen(8)
    bystander.setblocking(False)
    with tempfile.TemporaryDirectory(prefix="sc-agent-e2e-") as work:
        processes = Processes(work)
        failed = True
        try:
            sc, registry = start_dev_registry(processes, args.binary)
            service_id = create_service(registry, "shop", "inventory")
            for provider in providers:
                register_instance(registry, service_id, provider.name, provider.port)

            api, proxy_port = start_agent(processes, args.binary, work, sc,
                                          "  instance:\n    endpoints: []\n")
            expect(eventually(lambda: len((call("GET", api + "/v1/services/inventory/instances")[2]
                                           or {}).get("instances", [])) == 2),
                   "the agent does not list both providers")

            proxy = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=10)

            def get(target, headers=None):
                proxy.request("GET", target, headers=headers or {})
                response = proxy.getresponse()
                return response.status, response.getheader("X-Sc-Agent-Error"), response.read()

            answered = {"a": 0, "b": 0}
            for i in range(40):
                status, _, body = get("/inventory/item/%d" % i)
                expect(status == 200, "path style: %s %r" % (status, body[:200]))
                name, path = body.decode().split(" ", 1)
                expect(path == "/item/%d" % i, "path style forwarded %r" % body)
                answered[name] += 1
            expect(min(answered.values()) >= 10, "round robin: %s" % answered)
            accepted = sum(p.connections for p in providers)
            expect(accepted <= 4, "keep-alive: %d upstream connections for 40 calls" % accepted)

            status, _, body = get("/by-host", {"Host": "inventory"})
            expect(status == 200 and body.decode().endswith(" /by-host"),
                   "Host style: %s %r" % (status, body))
            status, _, body = get("http://inventory/absolute?q=1")
            expect(status == 200 and body.decode().endswith(" /absolute?q=1"),
                   "absolute URI: %s %r" % (status, body))
            status, _, body = get("/inventory/big")
            expect(status == 200 and body == BIG,
                   "8 MiB answer: %s, %d bytes" % (status, len(body)))

            status, error, body = get("/nosuch/x")
            expect(status == 503 and error == "NO_INSTANCE"
                   and json.loads(body)["error"]["code"] == "NO_INSTANCE",
                   "unknown service: %s %s %r" % (status, error, body))
            address = "127.0.0.1:%d" % bystander.getsockname()[1]
            status, error, body = get("http://%s/" % address, {"Host": address})
            expect(status == 400 and error == "BAD_REQUEST",
                   "undiscovered host: %s %s %r" % (status, error, body))
            try:
                bystander.accept()
                expect(False, "the proxy dialled a host that is no discovered endpoint")
            except BlockingIOError:
                pass
            print("proxied %d calls over %d upstream connections (a %d, b %d), 8 MiB intact"
                  % (sum(answered.values()) + 3, sum(p.connections for p in providers),
                     answered["a"], answered["b"]))
            failed = False
            return 0
        finally:
            processes.stop(failed)
            for provider in providers:
                provider.close()
            bystander.close()


if __name__ == "__main__":
    sys.exit(main())
