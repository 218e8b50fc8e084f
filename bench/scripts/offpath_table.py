#!/usr/bin/env python3
"""The stateful points' one-thread calls with no agent, flag off and on, from JMH JSON runs with -prof gc.

Usage: offpath_table.py LABEL=run.json[,run.json...] ...
Each run is one JMH run holding all three variants of each call; the time of a variant in a run is the median
of its iterations, and the table shows the median over the runs of each label (ratios are per run, then the
median: off vs no agent = no-agent time / off time, measured in the same run). Allocation: B per call.
"""
import json
import statistics
import sys

CALLS = [
    ("LimiterPointBenchmark", None, "`KeyRateLimiter` tryAcquire + release, 10 000 keys"),
    ("PickEndBenchmark", ("strategy", "simple-shuffle"), "`Router` pick + onEnd, simple-shuffle"),
    ("PoolAcquireBenchmark", ("connections", "64"), "`ConnectionPool` acquire + release, 64 connections"),
    ("PoolAcquireBenchmark", ("connections", "4"), "same, 4 connections"),
]


def variant(name):
    """noAgent / agentOff / agentOn from a benchmark name of any of the three classes."""
    for v, marks in (("noAgent", ("NoAgent.", ".noAgent")), ("agentOff", ("AgentOff.", ".agentOff")),
                     ("agentOn", ("AgentOn.", ".agentOn"))):
        if any(m in name for m in marks):
            return v
    return None


def load(path):
    """{(class, param) -> {variant -> (median ns, B per op)}} of one run."""
    out = {}
    for b in json.load(open(path)):
        cls = b["benchmark"].split(".")[-2] if "Limiter" not in b["benchmark"] else "LimiterPointBenchmark"
        if "PickEnd" in b["benchmark"]:
            cls = "PickEndBenchmark"
        if "PoolAcquire" in b["benchmark"]:
            cls = "PoolAcquireBenchmark"
        params = b.get("params") or {}
        key = (cls, tuple(sorted(params.items())))
        raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
        alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
        out.setdefault(key, {})[variant(b["benchmark"])] = (statistics.median(raw), alloc)
    return out


def find(run, cls, param):
    for (c, params), v in run.items():
        if c == cls and (param is None or param in params):
            return v
    return None


def main():
    print("| Call | runs | no agent | flag off | on | off vs no agent | on vs no agent | B/call no agent / off / on |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for arg in sys.argv[1:]:
        label, files = arg.split("=", 1)
        runs = [load(f) for f in files.split(",")]
        for cls, param, title in CALLS:
            vs = [find(r, cls, param) for r in runs]
            vs = [v for v in vs if v and all(k in v for k in ("noAgent", "agentOff", "agentOn"))]
            if not vs:
                continue
            med = {k: statistics.median(v[k][0] for v in vs) for k in ("noAgent", "agentOff", "agentOn")}
            off = statistics.median(v["noAgent"][0] / v["agentOff"][0] for v in vs)
            on = statistics.median(v["noAgent"][0] / v["agentOn"][0] for v in vs)
            alloc = " / ".join(f"{statistics.median(v[k][1] for v in vs):.0f}" for k in ("noAgent", "agentOff", "agentOn"))
            print(f"| {title} | {label} ({len(vs)}) | {med['noAgent']:.1f} | {med['agentOff']:.1f} | {med['agentOn']:.1f} "
                  f"| {off:.2f}x | {on:.2f}x | {alloc} |")


if __name__ == "__main__":
    main()
