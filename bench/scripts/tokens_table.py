#!/usr/bin/env python3
"""Markdown tables of the token benchmarks: medians, and ours against JTokkit from the same run.

usage: tokens_table.py RESULTS.json [MORE_RESULTS.json ...] [--cold NO_PIECE_CACHE_RESULTS.json]
All files are JMH JSON results (-rf json) of dev.fastllm.bench.tokens; a benchmark found in a later file
replaces the same benchmark of an earlier one (so a rerun of some benchmarks can update a table), and
ours and JTokkit of one row always come from the same file. The optional --cold file is a run of the
`ours` counting benchmarks with -Dfastllm.tokens.pieceCacheEntries=0.
Table 1: large corpus files and short texts, chars/s (higher is better), counting and encoding.
Table 2: long runs of one character class, ms per text (lower is better), counting and encoding.
"""
import json
import statistics
import sys


def medians(path):
    out = {}
    for run in json.load(open(path)):
        cls, method = run["benchmark"].split(".")[-2:]
        params = run.get("params", {})
        if cls == "LongRunBenchmark":
            key = "run: " + params["input"]
            raw = [x for fork in run["primaryMetric"]["rawData"] for x in fork]
        else:
            key = "large: " + params["corpus"] if cls == "LargeTextBenchmark" else "short (< 100 chars)"
            raw = [x for fork in run["secondaryMetrics"]["chars"]["rawData"] for x in fork]
        out[(params["encoding"], key, method)] = statistics.median(raw)
    return out


def mchars(v):
    return f"{v / 1e6:,.1f} M"


def ms(v):
    return f"{v:,.2f}" if v < 10 else f"{v:,.1f}"


args = sys.argv[1:]
cold = {}
if "--cold" in args:
    at = args.index("--cold")
    cold = medians(args[at + 1])
    args = args[:at] + args[at + 2:]
main = {}
for path in args:
    main.update(medians(path))
encodings = ["o200k_base", "cl100k_base"]

order = ["large: prose", "large: code", "large: json", "large: cjk", "large: mixed", "short (< 100 chars)"]
print("| Encoding | Text | count: JTokkit 1.1.0 chars/s | ours | ours / JTokkit | ours, piece cache off | that / JTokkit"
      " | encode: JTokkit chars/s | ours | ours / JTokkit |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for encoding in encodings:
    for text in order:
        j = main.get((encoding, text, "jtokkit"))
        o = main.get((encoding, text, "ours"))
        if j is None or o is None:
            continue
        row = f"| {encoding} | {text} | {mchars(j)} | {mchars(o)} | {o / j:.1f}x |"
        c = cold.get((encoding, text, "ours"))
        row += f" {mchars(c)} | {c / j:.1f}x |" if c else " | |"
        je = main.get((encoding, text, "jtokkitEncode"))
        oe = main.get((encoding, text, "oursEncode"))
        row += f" {mchars(je)} | {mchars(oe)} | {oe / je:.1f}x |" if je and oe else " | | |"
        print(row)

runs = ["run: spaces-100k", "run: newlines-100k", "run: spaces-1M", "run: newlines-1M", "run: letter-1M",
        "run: punctuation-1M", "run: emoji-1M"]
if any(k[1] in runs for k in main):
    print()
    print("| Encoding | Text | count: JTokkit 1.1.0 ms | ours ms | JTokkit / ours | encode: JTokkit ms | ours ms"
          " | JTokkit / ours |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for encoding in encodings:
        for text in runs:
            j = main.get((encoding, text, "jtokkit"))
            o = main.get((encoding, text, "ours"))
            if j is None or o is None:
                continue
            row = f"| {encoding} | {text[5:]} | {ms(j)} | {ms(o)} | {j / o:.1f}x |"
            je = main.get((encoding, text, "jtokkitEncode"))
            oe = main.get((encoding, text, "oursEncode"))
            row += f" {ms(je)} | {ms(oe)} | {je / oe:.1f}x |" if je and oe else " | | |"
            print(row)
