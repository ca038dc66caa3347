#!/usr/bin/env bash
# Secret backends side by side (issue 6): latency of `latchkey token` (cached, no refresh due),
# `latchkey run -- true` with one latchkey: reference, one forced refresh (including the store
# write), and `latchkey secret migrate` of 1,000 secrets, for the keychain (gnome-keyring) and
# pass (GnuPG, ed25519, no passphrase). Run under tests/support/with-keyring.sh; `make
# bench-backends` does. Prints medians in ms.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
L=${LATCHKEY_BIN:-$repo/target/release/latchkey}
N=${RUNS:-20}
SECRETS=${SECRETS:-1000}
work=$(mktemp -d)
export LATCHKEY_HOME=$work/home BROWSER=$repo/tests/browser/follow.sh
export GNUPGHOME=$work/gnupg PASSWORD_STORE_DIR=$work/store
mkdir -p "$GNUPGHOME" && chmod 700 "$GNUPGHOME"
gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Latchkey bench <b@latchkey.invalid>' future-default default never 2>/dev/null
pass init "$(gpg --list-secret-keys --with-colons | awk -F: '/^fpr/{print $10; exit}')" >/dev/null
coproc PEER { node "$repo/tests/peers/sdk-server.mjs" 2>/dev/null; }
read -r ready <&"${PEER[0]}"
url=$(jq -r .mcp_url <<<"$ready")
cleanup() { kill "$PEER_PID" 2>/dev/null || true; gpgconf --kill gpg-agent || true; rm -rf "$work"; }
trap cleanup EXIT

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
measure() { # label, then the command
  local label=$1; shift
  local xs=""
  for _ in $(seq "$N"); do xs+="$(ms "$@")"$'\n'; done
  printf '%-34s %5s ms\n' "$label" "$(printf %s "$xs" | median)"
}

"$L" connect "$url" >/dev/null 2>&1
printf 'v' | "$L" secret set bench/ONE >/dev/null
for backend in keychain pass; do
  [[ $backend == pass ]] && "$L" secret migrate --to pass >/dev/null 2>&1
  echo "== $backend"
  measure "latchkey token (cached)" "$L" token "$url"
  measure "latchkey run -- true" env ONE=latchkey:bench/ONE "$L" run -- true
  measure "latchkey refresh (one, forced)" "$L" refresh "$url"
done
"$L" secret migrate --to keychain >/dev/null 2>&1

echo "== migrate $SECRETS secrets, keychain -> pass"
for i in $(seq "$SECRETS"); do printf 'value-%s' "$i" | "$L" secret set "bulk/S$i" >/dev/null; done
s=$(date +%s%N)
"$L" secret migrate --to pass >/dev/null 2>&1
e=$(date +%s%N)
echo "migrate: $(((e - s) / 1000000)) ms for $((SECRETS + 2)) items"
