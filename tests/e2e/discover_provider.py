#!/usr/bin/env python3
"""The polyglot app's view: discover a provider through sc-agent's local API with nothing but the
Python 3 standard library.

Starts `sc-agent dev-registry` and `sc-agent run` (the real binary) on free loopback ports,
registers a provider straight in the registry over REST v4, then asks the agent for it:
GET /v1/services/{name}/instances and /select, and a blocking query that returns when a second
instance registers.

    python3 tests/e2e/discover_provider.py --binary build/debug/agent/sc-agent
"""
import argparse
import os
import sys
import tempfile
import threading

from e2e_support import (Processes, call, create_service, expect, register_instance, start_agent,
                         start_dev_registry)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sc-agent-e2e-") as work:
        processes = Processes(work)
        failed = True
        try:
            sc, registry = start_dev_registry(processes, args.binary)
            # The provider registers itself, as a Java or Go app would.
            provider_id = create_service(registry, "shop", "inventory")

            def register(port):
                return register_instance(registry, provider_id, "inventory-host", port)

            first_id = register(18081)

            api, _ = start_agent(processes, args.binary, work, sc,
                                 "  instance:\n    endpoints: [rest://127.0.0.1:18080]\n"
                                 "  dependencies:\n    - {name: inventory}\n",
                                 registry_extra="  refresh_interval: 60s\n",
                                 snapshot_path=os.path.join(work, "cache.json"))

            status, headers, answer = call("GET", api + "/v1/services/inventory/instances")
            expect(status == 200, "instances: %s %s" % (status, answer))
            expect(answer["source"] == "live", answer)
            expect([i["instanceId"] for i in answer["instances"]] == [first_id], answer)
            instance = answer["instances"][0]
            expect((instance["host"], instance["port"]) == ("127.0.0.1", 18081), instance)
            index = headers["X-Sc-Agent-Index"]

            status, _, chosen = call("GET", api + "/v1/services/inventory/select")
            expect(status == 200 and chosen["instance"]["instanceId"] == first_id, chosen)

            # A blocking query returns once a second instance appears (watch -> refresh).
            result = {}

            def blocking():
                result["answer"] = call(
                    "GET", api + "/v1/services/inventory/instances?index=%s&wait=20s" % index,
                    timeout=30)

            waiter = threading.Thread(target=blocking)
            waiter.start()
            second_id = register(18082)
            waiter.join(25)
            status, _, answer = result.get("answer", (0, {}, None))
            expect(status == 200, "blocking query: %s %s" % (status, answer))
            expect(sorted(i["instanceId"] for i in answer["instances"])
                   == sorted([first_id, second_id]), answer)

            status, _, error = call("GET", api + "/v1/services/nosuch/instances")
            expect(status == 404 and error["error"]["code"] == "SERVICE_NOT_FOUND", error)
            print("discovered inventory through the agent: %s" %
                  ", ".join("%s:%d" % (i["host"], i["port"]) for i in answer["instances"]))
            failed = False
            return 0
        finally:
            processes.stop(failed)

if __name__ == "__main__":
    sys.exit(main())
