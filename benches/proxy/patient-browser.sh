#!/bin/sh
# A `$BROWSER` stand-in for mcp-remote's sign-in in the proxy benchmark. Like
# tests/browser/follow.sh it completes the auto-approving SDK peer's /authorize, but it
# waits for the client's callback port the way a person's browser does (for up to 30 s)
# instead of failing at once when nothing listens there yet.
#
# Why: mcp-remote starts its OAuth callback server before connecting only when a GET of
# the server URL answers 401. A 2026-07-28 server (tests/peers/modern-server.mjs) answers
# that GET with 405 (no GET stream in that revision), so mcp-remote opens the browser
# first and starts listening on the callback port only after the opener has returned.
# follow.sh reaches the callback before that, gets "connection refused", and mcp-remote
# waits for a code that never comes. See benches/README.md.
#
#   benches/proxy/patient-browser.sh <authorization-url>
# Exit status: 0 when the callback answered. Nothing on stdout.
if [ -z "$1" ]; then
  echo "usage: $0 <url>" >&2
  exit 2
fi
# The /authorize answer: a 302 whose Location is the client's callback with the code.
loc=$(curl -sS --noproxy '*' --max-time 10 -o /dev/null -w '%{redirect_url}' "$1") || exit 1
if [ -z "$loc" ]; then
  echo "[patient-browser] /authorize did not redirect: $1" >&2
  exit 1
fi
i=0
while [ "$i" -lt 300 ]; do
  if out=$(curl -sS --noproxy '*' -L --max-redirs 10 --max-time 10 -o /dev/null \
    -w '[patient-browser] final: %{http_code} %{url_effective}' "$loc" 2>/dev/null); then
    echo "$out (after $i retries)" >&2
    exit 0
  fi
  i=$((i + 1))
  sleep 0.1
done
echo "[patient-browser] nothing answered at $loc within 30 s" >&2
exit 1
