#!/usr/bin/env python3
"""Markdown table of SpringAiBenchmark (JMH JSON files): median of iterations per variant, and the speed-up with the
agent (time ratio for ms and us per op, throughput ratio for ops/s). Several files may be given: a workload measured
in a later file (a run with other settings) replaces its rows from the earlier ones."""
import json
import statistics
import sys

by_workload = {}
for path in sys.argv[1:]:
    found = {}
    for b in json.load(open(path)):
        variant = b["benchmark"].rsplit(".", 1)[1]
        agent = not variant.endswith("NoAgent")
        workload = variant[:-len("Agent")] if agent else variant[:-len("NoAgent")]
        raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
        key = (b["params"]["encoding"], b["params"].get("texts", ""))
        row = found.setdefault(workload, {}).setdefault(key, {"unit": b["primaryMetric"]["scoreUnit"]})
        row["agent" if agent else "no"] = statistics.median(raw)
    by_workload.update(found)

names = {"split": "`TokenTextSplitter.apply`, 2 M chars", "estimate": "`estimate(String)`",
         "newEstimator": "`new JTokkitTokenCountEstimator(type)`, 2nd and later",
         "newSplitter": "`TokenTextSplitter.builder()...build()`, 2nd and later"}
texts = {"": "", "chat": ", texts of 50-1 550 chars", "under512": ", texts of 50-511 chars"}


def fmt(v):
    if v >= 1e4:
        return f"{v / 1e3:.1f} K"
    return f"{v:.3g}" if v < 10 else f"{v:.0f}"


print("| Workload | Encoding | unit | no agent | agent | speed-up |")
print("|---|---|---|---:|---:|---:|")
for workload in ["split", "estimate", "newEstimator", "newSplitter"]:
    for (enc, t), v in sorted(by_workload.get(workload, {}).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        gain = v["agent"] / v["no"] if v["unit"].startswith("ops") else v["no"] / v["agent"]
        speedup = f"{gain:.1f}x" if gain < 1_000 else "> 1 000 000x" if gain > 1e6 else f"{gain:.0f}x"
        print(f"| {names[workload]}{texts[t]} | {enc} | {v['unit']} | {fmt(v['no'])} | {fmt(v['agent'])} | {speedup} |")
