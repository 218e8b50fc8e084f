#!/usr/bin/env python3
"""Share of a workload's time spent in token counting, from a JFR recording: execution samples of the main
thread whose stack holds a frame of JTokkit, accel-core or the agent (counting), against all others (outside
counting: the library's own work). Usage: jfr_counting_share.py recording.jfr"""
import json
import subprocess
import sys

COUNTING = ("com.knuddels", "dev.fastllm.core", "dev.fastllm.agent", "dev.fastllm.shaded")

out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "1000", "--events", "jdk.ExecutionSample",
                      sys.argv[1]], capture_output=True, text=True, check=True).stdout
total = counting = 0
for e in json.loads(out)["recording"]["events"]:
    thread = e["values"].get("sampledThread") or {}
    stack = e["values"].get("stackTrace")
    if thread.get("javaName") != "main" or not stack:
        continue
    total += 1
    if any(f["method"]["type"]["name"].replace("/", ".").startswith(COUNTING) for f in stack["frames"]):
        counting += 1
print(f"{sys.argv[1]}: {total} samples, token counting {100 * counting / total:.0f}%, "
      f"outside counting {100 * (total - counting) / total:.0f}%")
