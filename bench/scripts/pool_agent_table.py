#!/usr/bin/env python3
"""Markdown table of PoolAcquireBenchmark (JMH JSON): ns per acquire + release, median of iterations, and ratios
(speed-up of the agent against no agent: no agent time / agent time)."""
import json
import statistics
import sys

rows = {}
for b in json.load(open(sys.argv[1])):
    name = b["benchmark"].rsplit(".", 1)[1]
    variant, threads = name[:-1], name[-1]
    key = (int(b["params"]["connections"]), int(threads))
    raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
    rows.setdefault(key, {})[variant] = (statistics.median(raw), b["primaryMetric"]["scoreError"])

print("| Threads | Connections | no agent ns | agent on ns | speed-up on | point off ns | speed-up off |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for (conns, threads), v in sorted(rows.items(), key=lambda kv: (kv[0][1], -kv[0][0])):
    n, on, off = v["noAgent"][0], v["agentOn"][0], v["agentOff"][0]
    print(f"| {threads} | {conns} | {n:.1f} | {on:.1f} | {n / on:.2f}x | {off:.1f} | {n / off:.2f}x |")
