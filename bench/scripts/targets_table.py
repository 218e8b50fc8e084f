#!/usr/bin/env python3
"""Every accel-core speed target across full runs of the targets command, one column per run.

Usage: targets_table.py LABEL=run.json ...   (oldest first; each file one JMH run of the README's command)
A cell is original / twin (twin / bag for the bag rows) from the medians of each side's iterations in that
run; a bold cell meets its target. The last columns count the runs that met it and give the newest figures
in ns. Floors are printed after the table, in ns, per run.
"""
import json
import statistics
import sys

# (label, benchmark method, params that must match, target, kind) where kind "x" = original / twin >= target,
# "bag" = twin / bag <= target
TARGETS = [
    ("limiter, 1 thread, 10 000 keys", "LimiterBenchmark.tenThousandKeys1Thread", {}, 1.5, "x"),
    ("limiter, 8 threads, one hot key", "LimiterBenchmark.oneHotKey8Threads", {}, 3.0, "x"),
    ("limiter, 8 threads, 1 000 000 keys", "LimiterBenchmark.millionKeys8Threads", {}, 3.0, "x"),
    ("pool, 1 thread, 64 connections", "PoolBenchmark.oneThread", {"connections": "64"}, 2.0, "x"),
    ("pool, 1 thread, 4 connections", "PoolBenchmark.oneThread", {"connections": "4"}, 2.0, "x"),
    ("pool, 8 threads, 64 connections", "PoolBenchmark.eightThreads", {"connections": "64"}, 3.0, "x"),
    ("pool, 8 threads, 4 connections (requests wait)", "PoolBenchmark.eightThreads", {"connections": "4"}, 1.5, "x"),
    ("pool vs HikariCP's bag, 1 thread (twin / bag)", "PoolBenchmark.oneThread", {"connections": "64"}, 1.5, "bag"),
    ("pool vs HikariCP's bag, 8 threads (twin / bag)", "PoolBenchmark.eightThreads", {"connections": "64"}, 1.5, "bag"),
] + [
    (f"router, {t}, {s}", f"RouterBenchmark.{m}", {"strategy": s}, target, "x")
    for t, m, target in (("1 thread", "oneThread", 1.5), ("8 threads", "eightThreads", 3.0))
    for s in ("simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2")
]

FLOORS = [
    ("two `currentTimeMillis`", "FloorBenchmark.twoWallClockReads1Thread"),
    ("router pair, 1 thread (two clocks, three updates)", "FloorBenchmark.routerPairFloor1Thread"),
    ("pool pair, 1 thread (`nanoTime`, claim, fenced give-back)", "FloorBenchmark.poolPairFloor1Thread"),
    ("pool pair, 8 threads", "FloorBenchmark.poolPairFloor8Threads"),
    ("1 000 000 keys, 8 threads, tight loop", "FloorBenchmark.millionKeysOneSlotTwoUpdates8Threads"),
    ("1 000 000 keys, 8 threads, caller work", "FloorBenchmark.millionKeysOneSlotTwoUpdatesCallerWork8Threads"),
]
CALLER_WORK = "LimiterBenchmark.millionKeysCallerWork8Threads"


def load(path):
    """[(method, params, median ns)] of one run."""
    out = []
    for b in json.load(open(path)):
        raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
        method = ".".join(b["benchmark"].split(".")[-2:])
        out.append((method, b.get("params") or {}, statistics.median(raw)))
    return out


def find(run, method, params, side=None):
    for m, p, v in run:
        if m != method or any(p.get(k) != want for k, want in params.items()):
            continue
        if side is None or side in (p.get("impl"), p.get("pool"), p.get("router")):
            return v
    return None


def cell(run, method, params, target, kind):
    if kind == "bag":
        twin, bag = find(run, method, params, "twin"), find(run, method, params, "hikari-bag")
        if twin is None or bag is None:
            return None, "", ""
        r = twin / bag
        return r <= target, f"{r:.2f}x", f"{twin:.1f} / {bag:.1f}"
    orig, twin = find(run, method, params, "original"), find(run, method, params, "twin")
    if orig is None or twin is None:
        return None, "", ""
    r = orig / twin
    return r >= target, f"{r:.2f}x", f"{orig:,.1f} → {twin:,.1f}".replace(",", " ")


def main(args):
    runs = []
    for a in args:
        label, path = a.split("=", 1)
        runs.append((label, load(path)))
    head = "| Case | target | " + " | ".join(l for l, _ in runs) + " | met | newest, ns |"
    print(head)
    print("|---|---:|" + "---:|" * len(runs) + "---:|---|")
    for label, method, params, target, kind in TARGETS:
        cells, met, counted, newest = [], 0, 0, ""
        for _, run in runs:
            ok, ratio, figures = cell(run, method, params, target, kind)
            if ok is None:
                cells.append("")
                continue
            counted += 1
            met += ok
            cells.append(f"**{ratio}**" if ok else ratio)
            newest = figures
        bound = f"≤ {target}x" if kind == "bag" else f"{target}x"
        print(f"| {label} | {bound} | " + " | ".join(cells) + f" | {met} of {counted} | {newest} |")
    print()
    print("| Floor, ns | " + " | ".join(l for l, _ in runs) + " |")
    print("|---|" + "---:|" * len(runs))
    for label, method in FLOORS:
        vals = [find(run, method, {}) for _, run in runs]
        print(f"| {label} | " + " | ".join("" if v is None else f"{v:,.1f}".replace(",", " ") for v in vals) + " |")
    vals = []
    for _, run in runs:
        o, t = find(run, CALLER_WORK, {}, "original"), find(run, CALLER_WORK, {}, "twin")
        vals.append("" if o is None or t is None else f"{o / t:.2f}x")
    print("| (1 000 000 keys with caller work, original / twin) | " + " | ".join(vals) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
