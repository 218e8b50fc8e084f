#!/usr/bin/env python3
"""Markdown table of the token-counting benchmarks: median chars/s per benchmark and the ratio to JTokkit.

usage: tokens_table.py RESULTS.json [NO_PIECE_CACHE_RESULTS.json]
Both files are JMH JSON results (-rf json) of dev.fastllm.bench.tokens; the second, optional, is a run of
the `ours` benchmarks with -Dfastllm.tokens.pieceCacheEntries=0.
"""
import json
import statistics
import sys


def medians(path):
    out = {}
    for run in json.load(open(path)):
        cls, method = run["benchmark"].split(".")[-2:]
        params = run.get("params", {})
        size = "large: " + params["corpus"] if cls == "LargeTextBenchmark" else "short (< 100 chars)"
        raw = [x for fork in run["secondaryMetrics"]["chars"]["rawData"] for x in fork]
        out[(params["encoding"], size, method)] = statistics.median(raw)
    return out


def mchars(v):
    return f"{v / 1e6:,.1f} M"


main = medians(sys.argv[1])
cold = medians(sys.argv[2]) if len(sys.argv) > 2 else {}
order = ["large: prose", "large: code", "large: json", "large: cjk", "large: mixed", "short (< 100 chars)"]
head = "| Encoding | Text | JTokkit 1.1.0 chars/s | ours chars/s | ours / JTokkit |"
rule = "|---|---|---:|---:|---:|"
if cold:
    head += " ours, piece cache off | that / JTokkit |"
    rule += "---:|---:|"
print(head)
print(rule)
for encoding in ["o200k_base", "cl100k_base"]:
    for size in order:
        j = main.get((encoding, size, "jtokkit"))
        o = main.get((encoding, size, "ours"))
        if j is None or o is None:
            continue
        row = f"| {encoding} | {size} | {mchars(j)} | {mchars(o)} | {o / j:.1f}x |"
        if cold:
            c = cold.get((encoding, size, "ours"))
            row += f" {mchars(c)} | {c / j:.1f}x |" if c else " | |"
        print(row)
