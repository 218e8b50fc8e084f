#!/usr/bin/env bash
# The end-to-end report: the demo gateway under load without and with the agent, REPORT.md and charts in
# bench/results/. Usage: bench/run-e2e.sh [--quick | --smoke] [--out DIR] [--note TEXT]
# Builds the jars with Maven only if one is missing; needs a JDK 17+ and wrk (Debian package "wrk", installed
# by bench/scripts/ensure-wrk.sh when run as root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bench/scripts/ensure-wrk.sh || exit 2
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! "$java_bin" -version >/dev/null 2>&1; then
  echo "no java found: set JAVA_HOME or put a JDK 17+ on the PATH" >&2
  exit 2
fi
for jar in demo-gateway/target/demo-gateway.jar agent/target/fast-llm-agent.jar bench/target/benchmarks.jar; do
  if [ ! -f "$jar" ]; then
    echo "$jar is missing: building (mvn -B -ntp -DskipTests package)" >&2
    mvn -B -ntp -q -DskipTests package
    break
  fi
done
exec "$java_bin" -Djava.awt.headless=true -cp bench/target/benchmarks.jar dev.fastllm.bench.e2e.E2eMain --root "$root" "$@"
