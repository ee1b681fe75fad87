#!/usr/bin/env python3
"""Helpers of bench/proxy/run.sh: free loopback ports, parsing wrk --latency output, and the
Markdown report (medians per target and concurrency, ratios against haproxy, target checks)."""

import argparse
import os
import re
import socket
import statistics
import sys

# wrk prints latencies with these suffixes (src/units.c: time units of microseconds).
UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def free_ports(count):
    """`count` distinct loopback ports that were free a moment ago (held together while chosen)."""
    held = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        held.append(s)
    ports = [s.getsockname()[1] for s in held]
    for s in held:
        s.close()
    return ports


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unknown latency {text!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse_wrk(text):
    """The numbers of one `wrk --latency` run; None when the output is not a finished run."""
    done = re.search(r"^\s*(\d+) requests in ([0-9.]+\w+),", text, re.M)
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    if not done or not rate:
        return None
    run = {"requests": int(done.group(1)), "rps": float(rate.group(1))}
    for pct in (50, 75, 90, 99):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+([0-9.]+[a-z]+)\s*$", text, re.M)
        run[f"p{pct}"] = to_ms(m.group(1)) if m else None
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    run["socket_errors"] = sum(int(g) for g in sock.groups()) if sock else 0
    run["socket_detail"] = sock.group(0) if sock else ""
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    run["non2xx"] = int(bad.group(1)) if bad else 0
    return run


def fmt_lat(ms, signed=False):
    if ms is None:
        return "n/a"
    sign = "+" if signed and ms >= 0 else ""
    if abs(ms) < 1.0:
        return f"{sign}{ms * 1000:.0f} µs"
    return f"{sign}{ms:.2f} ms"


def fmt_num(x, digits=0):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def fmt_ratio(x):
    return "n/a" if x is None else f"{x:.2f}×"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def positive_ratio(a, b):
    """a / b for latency increments; None when either is not positive (noise at or below zero)."""
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    return a / b


def read_tsv(path):
    rows = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append(line.split("\t"))
    return rows


def report(out, targets, conns, clk_tck):
    raw = os.path.join(out, "raw")
    runs = {}  # (target, conc) -> list of run dicts
    failed = []
    for target, conc, rnd, ticks, up_ticks, up_conns, up_reqs in read_tsv(
            os.path.join(out, "runs.tsv")):
        path = os.path.join(raw, f"{target}-c{conc}-r{rnd}.txt")
        with open(path, encoding="utf-8", errors="replace") as f:
            run = parse_wrk(f.read())
        if run is None:
            failed.append(path)
            continue
        run["round"] = int(rnd)
        cpu_s = int(ticks) / clk_tck
        run["cpu_per_1k"] = cpu_s / run["requests"] * 1000 if run["requests"] else None
        run["upstream_cpu_per_1k"] = (
            int(up_ticks) / clk_tck / run["requests"] * 1000 if run["requests"] else None)
        run["upstream_conns"] = int(up_conns)
        run["upstream_reqs"] = int(up_reqs)
        runs.setdefault((target, int(conc)), []).append(run)

    # (target, kind) -> MiB. idle: VmRSS after warm-up; idle_pss, idle_private: that memory's
    # proportional and private (not shared) parts; floor: the RSS of the target's shared
    # libraries alone; peak: VmHWM or any VmRSS sample, the largest.
    mem = {}
    for target, kind, kib in read_tsv(os.path.join(out, "mem.tsv")):
        mib = int(kib) / 1024.0
        if kind in ("idle", "idle_pss", "idle_private", "floor"):
            mem[(target, kind)] = mib
        if kind in ("idle", "rss", "peak"):
            mem[(target, "peak")] = max(mem.get((target, "peak"), 0.0), mib)

    warm_errors = {}
    for target in targets:
        path = os.path.join(raw, f"warmup-{target}.txt")
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                run = parse_wrk(f.read())
            warm_errors[target] = (run["socket_errors"] + run["non2xx"]) if run else None

    def med(target, conc, key):
        return median([r[key] for r in runs.get((target, conc), [])])

    hi, lo = max(conns), min(conns)
    stats = {}
    for t in targets:
        s = {
            "rps_hi": med(t, hi, "rps"), "p50_hi": med(t, hi, "p50"), "p99_hi": med(t, hi, "p99"),
            "rps_lo": med(t, lo, "rps"), "p50_lo": med(t, lo, "p50"), "p99_lo": med(t, lo, "p99"),
            "cpu_hi": med(t, hi, "cpu_per_1k"), "cpu_lo": med(t, lo, "cpu_per_1k"),
            "idle": mem.get((t, "idle")), "peak": mem.get((t, "peak")),
            "pss": mem.get((t, "idle_pss")), "private": mem.get((t, "idle_private")),
            "floor": mem.get((t, "floor")),
            "runs": sum(len(runs.get((t, c), [])) for c in conns),
            "errors": sum(r["socket_errors"] + r["non2xx"]
                          for c in conns for r in runs.get((t, c), [])),
        }
        stats[t] = s
    direct_p50 = stats.get("direct", {}).get("p50_lo")
    for t, s in stats.items():
        s["added_lo"] = (s["p50_lo"] - direct_p50
                         if s["p50_lo"] is not None and direct_p50 is not None else None)

    lines = []
    w = lines.append
    w(f"### Medians of {max(len(v) for v in runs.values()) if runs else 0} round(s)\n")
    w(f"| target | c{hi} req/s | c{hi} p50 | c{hi} p99 | c{lo} req/s | c{lo} p50 | c{lo} p99 | "
      f"c{lo} added p50 vs direct | CPU s/1k req c{hi} | CPU s/1k req c{lo} | idle RSS MiB | "
      f"peak RSS MiB | errors |")
    w("|---|" + "---:|" * 12)
    for t in targets:
        s = stats[t]
        errors = s["errors"]
        err_txt = "0" if errors == 0 else f"**{errors}** ⚠"
        if s["runs"] == 0:
            err_txt = "**no finished run** ⚠"
        name = "direct (upstream itself)" if t == "direct" else t
        w(f"| {name} | {fmt_num(s['rps_hi'])} | {fmt_lat(s['p50_hi'])} | {fmt_lat(s['p99_hi'])} | "
          f"{fmt_num(s['rps_lo'])} | {fmt_lat(s['p50_lo'])} | {fmt_lat(s['p99_lo'])} | "
          f"{'—' if t == 'direct' else fmt_lat(s['added_lo'], signed=True)} | "
          f"{fmt_num(s['cpu_hi'], 4)} | {fmt_num(s['cpu_lo'], 4)} | {fmt_num(s['idle'], 1)} | "
          f"{fmt_num(s['peak'], 1)} | {err_txt} |")
    w("")

    base = stats.get("haproxy")
    if base:
        w("### Against haproxy (ratio = target / haproxy)\n")
        w(f"| target | c{hi} req/s | c{lo} added p50 | CPU/1k c{hi} | CPU/1k c{lo} | idle RSS |")
        w("|---|---:|---:|---:|---:|---:|")
        for t in targets:
            if t in ("direct",):
                continue
            s = stats[t]
            w(f"| {t} | {fmt_ratio(ratio(s['rps_hi'], base['rps_hi']))} | "
              f"{fmt_ratio(positive_ratio(s['added_lo'], base['added_lo']))} | "
              f"{fmt_ratio(ratio(s['cpu_hi'], base['cpu_hi']))} | "
              f"{fmt_ratio(ratio(s['cpu_lo'], base['cpu_lo']))} | "
              f"{fmt_ratio(ratio(s['idle'], base['idle']))} |")
        w("\n(added p50: n/a when either increment is zero or negative, i.e. within the noise)\n")

        agents = [t for t in targets if t.startswith("sc-agent")]
        if agents:
            w("### Issue targets (sc-agent against haproxy)\n")
            w("| target | c%d req/s ≥ 1.1× | c%d added p50 ≤ haproxy | CPU/1k ≤ haproxy (c%d, c%d) "
              "| idle RSS ≤ 0.5× |" % (hi, lo, hi, lo))
            w("|---|---|---|---|---|")

            def verdict(ok):
                return "n/a" if ok is None else ("PASS" if ok else "**FAIL**")

            def le(a, b, factor=1.0):
                return None if a is None or b is None else a <= b * factor

            for t in agents:
                s = stats[t]
                rps_ok = (None if s["rps_hi"] is None or base["rps_hi"] is None
                          else s["rps_hi"] >= 1.1 * base["rps_hi"])
                cpu_hi_ok, cpu_lo_ok = le(s["cpu_hi"], base["cpu_hi"]), le(s["cpu_lo"], base["cpu_lo"])
                cpu_ok = None if cpu_hi_ok is None or cpu_lo_ok is None else cpu_hi_ok and cpu_lo_ok
                w(f"| {t} | {verdict(rps_ok)} ({fmt_ratio(ratio(s['rps_hi'], base['rps_hi']))}) | "
                  f"{verdict(le(s['added_lo'], base['added_lo']))} "
                  f"({fmt_lat(s['added_lo'], True)} vs {fmt_lat(base['added_lo'], True)}) | "
                  f"{verdict(cpu_ok)} ({fmt_ratio(ratio(s['cpu_hi'], base['cpu_hi']))}, "
                  f"{fmt_ratio(ratio(s['cpu_lo'], base['cpu_lo']))}) | "
                  f"{verdict(le(s['idle'], base['idle'], 0.5))} "
                  f"({fmt_ratio(ratio(s['idle'], base['idle']))}) |")
            w("")
            # The same comparison paired by round: drift on a shared machine moves runs of one
            # round together, so the spread of these ratios shows how far the medians can be
            # trusted.
            # The upstream does the same work for every request whoever sends it, so its CPU per
            # request is a yardstick of how fast the machine ran during that run; a proxy's CPU
            # in those units hardly moves when the whole machine slows down.
            def upstream_units(r):
                return ratio(r["cpu_per_1k"], r["upstream_cpu_per_1k"])

            def paired(target, value):
                base_by_round = {r["round"]: value(r) for r in runs.get(("haproxy", hi), [])}
                return sorted((r["round"], ratio(value(r), base_by_round.get(r["round"])))
                              for r in runs.get((target, hi), [])
                              if base_by_round.get(r["round"]) and value(r) is not None)

            for t in agents:
                rps = paired(t, lambda r: r["rps"])
                # Not for sc-agent-t2: its second loop runs on wrk's core, outside the one core
                # the proxy shares with the upstream, so upstream units do not apply.
                cpu = [] if t == "sc-agent-t2" else paired(t, upstream_units)
                if rps:
                    line = (f"- {t} at c{hi}, against haproxy in the same round: req/s "
                            + ", ".join(f"r{n} {fmt_ratio(x)}" for n, x in rps)
                            + f" (median {fmt_ratio(median([x for _, x in rps]))})")
                    if cpu:
                        line += ("; CPU per request in upstream units "
                                 + ", ".join(f"r{n} {fmt_ratio(x)}" for n, x in cpu)
                                 + f" (median {fmt_ratio(median([x for _, x in cpu]))})")
                    w(line)
            units = {t: median([upstream_units(r) for r in runs.get((t, hi), [])])
                     for t in ["haproxy", "nginx"] + agents if t != "sc-agent-t2"}
            w(f"\nCPU per request at c{hi} in units of the upstream's own CPU per request "
              "(medians): " + ", ".join(f"{t} {fmt_num(u, 2)}" for t, u in units.items()
                                        if u is not None)
              + ". The proxy and the upstream share one core, which c32 keeps busy: with the "
              "upstream at 1 unit, a proxy at x units gets 1/(1 + x) requests through per unit of "
              "that core's time, so 1.1× haproxy's req/s needs x ≤ (1 + haproxy's x) / 1.1 − 1"
              + (f" = {fmt_num((1 + units['haproxy']) / 1.1 - 1, 2)} here"
                 if units.get("haproxy") is not None else "") + ".\n")

    if any(stats[t]["pss"] is not None for t in targets):
        w("### Idle memory (MiB, after warm-up)\n")
        w("| target | VmRSS | library floor | VmRSS − floor | PSS | private |")
        w("|---|---:|---:|---:|---:|---:|")
        for t in targets:
            s = stats[t]
            above = (s["idle"] - s["floor"]
                     if s["idle"] is not None and s["floor"] is not None else None)
            w(f"| {'direct (upstream itself)' if t == 'direct' else t} | {fmt_num(s['idle'], 1)} | "
              f"{fmt_num(s['floor'], 1)} | {fmt_num(above, 1)} | {fmt_num(s['pss'], 1)} | "
              f"{fmt_num(s['private'], 1)} |")
        w("\n(library floor: the VmRSS of a program that only loads the target's shared libraries, "
          "once per process of its tree; private: pages no other process maps; PSS: shared pages "
          "divided among the processes that map them)\n")

    if "sc-agent" in stats and "sc-agent-t2" in stats:
        one, two = stats["sc-agent"], stats["sc-agent-t2"]
        w("### sc-agent threads 1 vs 2\n")
        w(f"threads 2 / threads 1: c{hi} req/s {fmt_ratio(ratio(two['rps_hi'], one['rps_hi']))}, "
          f"c{lo} p50 {fmt_lat(two['p50_lo'])} vs {fmt_lat(one['p50_lo'])}, "
          f"CPU/1k c{hi} {fmt_ratio(ratio(two['cpu_hi'], one['cpu_hi']))}, "
          f"idle RSS {fmt_num(two['idle'], 1)} vs {fmt_num(one['idle'], 1)} MiB. "
          "threads 2 runs on cores 0-1 and shares core 1 with wrk: indicative only on a 2-core "
          "machine.\n")

    problems = []
    for t in targets:
        s = stats[t]
        if s["runs"] == 0:
            problems.append(f"{t}: no finished wrk run")
        elif s["errors"]:
            problems.append(f"{t}: {s['errors']} errors (socket errors + non-2xx/3xx) in the runs")
        if warm_errors.get(t):
            problems.append(f"{t}: {warm_errors[t]} errors in the warm-up")
    for path in failed:
        problems.append(f"unparsable wrk output: {path}")
    if problems:
        w("### ⚠ Problems\n")
        for p in problems:
            w(f"- {p}")
        w("")

    w("### Every run\n")
    w("| round | target | conns | req/s | p50 | p99 | CPU s/1k req | upstream CPU s/1k req | "
      "upstream conns opened | upstream reqs / wrk reqs | errors |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    ordered = sorted(((r["round"], targets.index(t), conns.index(c), t, c, r)
                      for (t, c), rs in runs.items() for r in rs))
    for rnd, _, _, t, c, r in ordered:
        errs = r["socket_errors"] + r["non2xx"]
        err_txt = "0" if not errs else f"{r['non2xx']} non-2xx; {r['socket_detail']}"
        w(f"| {rnd} | {t} | {c} | {fmt_num(r['rps'])} | {fmt_lat(r['p50'])} | {fmt_lat(r['p99'])} | "
          f"{fmt_num(r['cpu_per_1k'], 4)} | {fmt_num(r['upstream_cpu_per_1k'], 4)} | "
          f"{r['upstream_conns']} | {fmt_num(ratio(r['upstream_reqs'], r['requests']), 3)} | "
          f"{err_txt} |")
    w("")
    return "\n".join(lines), bool(problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ports", help="print N free loopback ports")
    p.add_argument("count", type=int)
    p = sub.add_parser("check-wrk", help="exit 1 unless the wrk output is a finished run with no errors")
    p.add_argument("file")
    p = sub.add_parser("report", help="print the Markdown tables of a finished run")
    p.add_argument("--out", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--conns", required=True)
    p.add_argument("--clk-tck", type=int, default=os.sysconf("SC_CLK_TCK"))
    args = parser.parse_args()

    if args.cmd == "ports":
        print(" ".join(str(p) for p in free_ports(args.count)))
    elif args.cmd == "check-wrk":
        with open(args.file, encoding="utf-8", errors="replace") as f:
            run = parse_wrk(f.read())
        if run is None:
            print("not a finished wrk run")
            return 1
        errs = run["socket_errors"] + run["non2xx"]
        print(f"{run['requests']} requests, {run['rps']:.0f} req/s, {errs} errors")
        return 1 if errs or run["requests"] == 0 else 0
    elif args.cmd == "report":
        text, problems = report(args.out, args.targets.split(),
                                [int(c) for c in args.conns.split()], args.clk_tck)
        print(text)
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
