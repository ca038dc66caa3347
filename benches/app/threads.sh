#!/usr/bin/env bash
# Which threads wake while the app is idle: starts the app (window open, or `--hidden`), waits
# SETTLE seconds, then counts each thread's context switches (app and WebKit children) over
# WINDOW seconds. Run under Xvfb and a Secret Service, e.g.
#   xvfb-run -a tests/support/with-keyring.sh benches/app/threads.sh [--hidden]
set -euo pipefail
app=${LATCHKEY_APP_BIN:-target/release/latchkey-app}
settle=${SETTLE:-15}
window=${WINDOW:-20}
export LATCHKEY_HOME=${LATCHKEY_HOME:-$(mktemp -d)}
"$app" "$@" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep "$settle"
snap() {
  for p in $pid $(cat /proc/$pid/task/*/children 2>/dev/null); do
    for t in /proc/$p/task/*; do
      n=$(grep -h voluntary_ctxt "$t/status" 2>/dev/null | awk '{s+=$2} END{print s}') || continue
      name=$(tr ' ' _ <"$t/comm" 2>/dev/null) || continue # the thread ended meanwhile
      echo "$p/$(basename "$t") $(cut -c1-12 "/proc/$p/comm"):$name $n"
    done
  done | sort
}
snap >"$LATCHKEY_HOME/before"
sleep "$window"
snap >"$LATCHKEY_HOME/after"
echo "wake-ups per minute over ${window} s, after ${settle} s (process:thread):"
join "$LATCHKEY_HOME/before" "$LATCHKEY_HOME/after" |
  awk -v w="$window" '$5 != $3 { d = ($5 - $3) * 60 / w; total += d; print "  " d, $2 } END { print "  total", total + 0 }' |
  sort -k1,1 -rn
