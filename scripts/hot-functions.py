#!/usr/bin/env python3
"""The steps of scripts/hot-functions.sh that read profiles (see there for the why).

  hot-functions.py calls PROXY_PORT                 calls through the agent's proxy
  hot-functions.py from-callgrind DUMP BINARY LIST  write LIST: BINARY's functions that ran, hottest first
  hot-functions.py add-faults PERF_DATA BINARY LIST UNTIL
                                                    append the functions whose code faulted in
                                                    before UNTIL (CLOCK_MONOTONIC seconds) but are
                                                    not in LIST; print how many
"""
import http.client
import re
import subprocess
import sys
import threading


def calls(port):
    """Kept-alive connections (both addressing styles), a few at once so that the upstream
    pool holds several connections."""

    def run(n, path, host=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(n):
            connection.request("GET", path, headers={"Host": host} if host else {})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"hot-functions: a call through the proxy answered {response.status}")
        connection.close()

    threads = [threading.Thread(target=run, args=(100, "/hot-upstream/v4/default/registry/health"))
               for _ in range(4)]
    threads.append(threading.Thread(target=run, args=(100, "/v4/default/registry/health", "hot-upstream")))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def defined_functions(binary):
    names = set()
    for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwWiI":
            names.add(parts[2])
    return names


def from_callgrind(dump, binary, out):
    defined = defined_functions(binary)
    # callgrind's format: cost lines after fn= are the function's own cost, except the one
    # line after each calls=, which is the call's inclusive cost.
    self_cost, function, after_call = {}, None, False
    with open(dump) as lines:
        for line in lines:
            if line.startswith("fn="):
                function = line[3:].strip()
                self_cost.setdefault(function, 0)
            elif line.startswith("calls="):
                after_call = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if not after_call and function is not None:
                    self_cost[function] += int(line.split()[1])
                after_call = False
    ran = sorted((f for f in self_cost if f in defined), key=lambda f: (-self_cost[f], f))
    with open(out, "w") as file:
        file.write("".join(name + "\n" for name in ran))
    print(len(ran))


def add_faults(data, binary, out, until):
    with open(out) as file:
        listed = set(file.read().split())
    events = subprocess.run(["perf", "script", "-i", data, "--show-mmap-events", "--no-demangle",
                             "-F", "time,addr,sym"], capture_output=True, text=True, check=True).stdout
    text = None
    mapping = re.compile(r"\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ \S+ .*\]: r-xp " + re.escape(binary) + "$")
    for line in events.splitlines():
        found = mapping.search(line)
        if found:
            start = int(found.group(1), 16)
            text = (start, start + int(found.group(2), 16))
    if text is None:
        raise SystemExit(f"hot-functions: perf saw no text mapping of {binary}")
    new = []
    for line in events.splitlines():
        parts = line.split()
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]+", parts[1]):
            continue
        # The stop path runs after UNTIL: what it touches is not resident while the agent serves.
        if float(parts[0].rstrip(":")) >= float(until):
            continue
        # A fault in the agent's text by a function not listed: it ran, and its folio came in.
        name = parts[2]
        if text[0] <= int(parts[1], 16) < text[1] and name != "[unknown]" \
                and name not in listed and name not in new:
            new.append(name)
    with open(out, "a") as file:
        file.write("".join(name + "\n" for name in new))
    print(len(new))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "calls":
        calls(int(arguments[0]))
    elif command == "from-callgrind":
        from_callgrind(*arguments)
    elif command == "add-faults":
        add_faults(*arguments)
    else:
        raise SystemExit(__doc__)
