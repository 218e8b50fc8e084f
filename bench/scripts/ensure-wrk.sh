#!/usr/bin/env bash
# Makes sure wrk (the load generator of bench/run-e2e.sh) is installed: installs Debian's package when this runs
# as root on a machine with apt-get, otherwise says how. Exit 0 when wrk is there afterwards, 2 when it is not.
set -uo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "wrk is missing: installing Debian's package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q wrk >&2 || { apt-get update -q >&2 && apt-get install -y -q wrk >&2; }
  command -v wrk >/dev/null 2>&1 && exit 0
fi
echo "wrk is not installed. On Debian or Ubuntu: sudo apt-get install -y wrk" >&2
exit 2
