"""Helpers the stdlib-only end-to-end scripts share: free ports, JSON calls, waiting, checks,
the processes they start and the provider registrations they make."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            return response.status, dict(response.headers), json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, dict(error.headers), json.loads(text) if text else None
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return 0, {}, None


def eventually(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    return check()


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


class Processes:
    """The binaries a script starts, stopped in reverse order (SIGTERM, SIGKILL after 10 s).
    Their output goes to files under `work`; stop(failed=True) prints it, so a failing run shows
    what the agent said (a refused io_uring, a crash) rather than only "did not start"."""

    def __init__(self, work):
        self.work = work
        self.started = []

    def start(self, *argv):
        log = os.path.join(self.work, "process-%d.log" % len(self.started))
        with open(log, "wb") as output:
            process = subprocess.Popen(list(argv), stdout=output, stderr=subprocess.STDOUT)
        self.started.append((process, argv, log))

    def stop(self, failed=False):
        for process, _, _ in reversed(self.started):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if failed:
            for process, argv, log in self.started:
                with open(log, errors="replace") as output:
                    print("--- %s (exit %s):\n%s" % (" ".join(argv), process.returncode,
                                                    output.read()[-4000:]), file=sys.stderr)


def start_dev_registry(processes, binary):
    """`sc-agent dev-registry` on free ports; returns (its address, its REST v4 registry base)."""
    sc_port, kie_port = free_port(), free_port()
    processes.start(binary, "dev-registry", "--listen", "127.0.0.1:%d" % sc_port,
                    "--kie-listen", "127.0.0.1:%d" % kie_port)
    address = "http://127.0.0.1:%d" % sc_port
    registry = address + "/v4/default/registry"
    expect(eventually(lambda: call("GET", registry + "/health")[0] == 200),
           "the dev registry did not start")
    return address, registry


def create_service(registry, app, name):
    """Registers a microservice as a Java or Go provider would; returns its serviceId."""
    status, _, body = call("POST", registry + "/microservices",
                           {"service": {"appId": app, "serviceName": name, "version": "1.0.0"}})
    expect(status == 200, "create service: %s %s" % (status, body))
    return body["serviceId"]


def register_instance(registry, service_id, host_name, port):
    """Registers an UP instance at rest://127.0.0.1:{port}; returns its instanceId."""
    status, _, body = call(
        "POST", registry + "/microservices/%s/instances" % service_id,
        {"instance": {"hostName": host_name, "status": "UP",
                      "endpoints": ["rest://127.0.0.1:%d" % port]}})
    expect(status == 200, "register instance: %s %s" % (status, body))
    return body["instanceId"]


def start_agent(processes, binary, work, registry_address, instance_yaml, registry_extra="",
                snapshot_path='""'):
    """Runs `sc-agent run` with one local service, shop/cart (`instance_yaml`: the descriptor's
    lines after its service line), against the registry at `registry_address`, with the API and
    the proxy on free ports; waits for /readyz. Returns (API base URL, proxy port)."""
    api_port, proxy_port = free_port(), free_port()
    services = os.path.join(work, "services.d")
    os.makedirs(services)
    with open(os.path.join(services, "cart.yaml"), "w") as f:
        f.write("servicecomb:\n  service: {app: shop, name: cart, version: 1.0.0}\n"
                + instance_yaml)
    config = os.path.join(work, "agent.yaml")
    with open(config, "w") as f:
        f.write("registry:\n  addresses: [%s]\n%s"
                "config_center:\n  addresses: []\n"
                "services: [%s]\n"
                "listen: {api: 127.0.0.1:%d, proxy: 127.0.0.1:%d}\n"
                "cache: {snapshot_path: %s}\n"
                "drain: {delay: 0s, timeout: 2s}\n"
                % (registry_address, registry_extra, services, api_port, proxy_port,
                   snapshot_path))
    processes.start(binary, "run", "--config", config)
    api = "http://127.0.0.1:%d" % api_port
    expect(eventually(lambda: call("GET", api + "/readyz")[0] == 200),
           "the agent did not become ready")
    return api, proxy_port
