#!/usr/bin/env python3
"""Markdown table of ChatMemoryBenchmark and DocumentSplitterBenchmark (JMH JSON, ms per operation): median of
the iterations per variant, and the speed-up with the agent."""
import json
import statistics
import sys

rows = {}
for b in json.load(open(sys.argv[1])):
    cls, variant = b["benchmark"].rsplit(".", 2)[1:]
    raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
    rows.setdefault((cls, b["params"]["model"]), {})[variant] = statistics.median(raw)

names = {"ChatMemoryBenchmark": "`TokenWindowChatMemory`, 200 turns",
         "DocumentSplitterBenchmark": "`DocumentSplitters.recursive(500, 50)`, 2 M chars"}
print("| Workload | Model (encoding) | no agent ms | agent ms | speed-up |")
print("|---|---|---:|---:|---:|")
for (cls, model), v in sorted(rows.items()):
    enc = "o200k_base" if "4o" in model else "cl100k_base"
    ms = lambda x: f"{x:,.1f}".replace(",", " ")
    print(f"| {names.get(cls, cls)} | {model} ({enc}) | {ms(v['noAgent'])} | {ms(v['agent'])} | "
          f"{v['noAgent'] / v['agent']:.1f}x |")
