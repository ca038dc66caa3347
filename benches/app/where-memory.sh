#!/usr/bin/env bash
# Where a process tree's memory goes: PSS summed by mapping (a library, [heap], anonymous
# memory, ...) over a process and all its descendants, largest first.
#   benches/app/where-memory.sh <pid> [how many lines, default 15]
set -euo pipefail
root=$1
lines=${2:-15}
tree() {
  echo "$1"
  for t in /proc/"$1"/task/*; do
    for c in $(cat "$t/children" 2>/dev/null); do tree "$c"; done
  done
}
for p in $(tree "$root"); do
  echo "# $p $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-80) $(awk '/^Pss:/{print $2" kB"}' /proc/"$p"/smaps_rollup 2>/dev/null)" >&2
  awk '/^[0-9a-f]+-[0-9a-f]+ /{name=($6==""?"[anonymous]":$6)} /^Pss:/{pss[name]+=$2} END{for(n in pss) print pss[n], n}' /proc/"$p"/smaps 2>/dev/null
done | awk '{kb[$2]+=$1} END{for(n in kb) printf "%8.1f MiB  %s\n", kb[n]/1024, n}' | sort -rn | head -n "$lines"
