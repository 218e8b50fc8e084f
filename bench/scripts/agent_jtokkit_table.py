#!/usr/bin/env python3
"""Markdown tables of JTokkitBenchmark and ChatMemoryBenchmark (JMH JSON): median of iterations per variant,
and the ratio with the agent to without it."""
import json
import statistics
import sys

jtokkit = {}
memory = {}
for b in json.load(open(sys.argv[1])):
    cls, variant = b["benchmark"].rsplit(".", 2)[1:]
    raw = [x for fork in b["primaryMetric"]["rawData"] for x in fork]
    if cls == "JTokkitBenchmark":
        op = "countTokens" if variant.startswith("count") else "encode"
        key = (op, b["params"]["encoding"], b["params"]["texts"])
        jtokkit.setdefault(key, {})["agent" if variant.endswith("Agent") and not variant.endswith("NoAgent") else "no"] = statistics.median(raw)
    else:
        memory.setdefault(b["params"]["model"], {})["agent" if variant == "agent" else "no"] = statistics.median(raw)

def fmt(v):
    return f"{v / 1e3:.1f} K" if v >= 1e3 else f"{v:.1f}"

if jtokkit:
    print("| Method | Encoding | Texts | no agent ops/s | agent ops/s | agent / no agent |")
    print("|---|---|---|---:|---:|---:|")
    for (op, enc, texts), v in sorted(jtokkit.items(), key=lambda kv: (kv[0][0], kv[0][1] != "o200k_base", kv[0][2])):
        print(f"| `{op}` | {enc} | {texts} | {fmt(v['no'])} | {fmt(v['agent'])} | {v['agent'] / v['no']:.1f}x |")
if memory:
    print()
    print("| Model (encoding) | no agent ms/conversation | agent ms/conversation | speed-up |")
    print("|---|---:|---:|---:|")
    for model, v in sorted(memory.items()):
        enc = "o200k_base" if "4o" in model else "cl100k_base"
        print(f"| {model} ({enc}) | {v['no']:.1f} | {v['agent']:.1f} | {v['no'] / v['agent']:.1f}x |")
