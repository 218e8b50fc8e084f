#!/usr/bin/env python3
"""Markdown table of CountTextBenchmark (JMH JSON): ops/s median of iterations per variant, and ratios."""
import json
import statistics
import sys

rows = {}
for b in json.load(open(sys.argv[1])):
    variant = b["benchmark"].rsplit(".", 1)[1]
    key = (b["params"]["encoding"], b["params"]["texts"])
    raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
    rows.setdefault(key, {})[variant] = (statistics.median(raw), b["primaryMetric"]["scoreError"])

def fmt(v):
    return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.1f} K" if v >= 1e3 else f"{v:.0f}"

print("| Encoding | Texts | no agent ops/s | agent on ops/s | on / no agent | point off ops/s | off / no agent |")
print("|---|---|---:|---:|---:|---:|---:|")
for (enc, texts), v in sorted(rows.items(), key=lambda kv: (kv[0][0] != "o200k_base", ["short", "medium", "mediumNew", "large"].index(kv[0][1]))):
    n, on, off = v["noAgent"][0], v["agentOn"][0], v["agentOff"][0]
    print(f"| {enc} | {texts} | {fmt(n)} | {fmt(on)} | {on / n:.2f}x | {fmt(off)} | {off / n:.2f}x |")
