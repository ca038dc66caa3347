#!/usr/bin/env bash
# Secret backends side by side (issue 6): latency of `latchkey token` (cached, no refresh due),
# `latchkey run -- true` with one latchkey: reference, one forced refresh (including the store
# write), and `latchkey secret migrate` of 1,000 secrets, for the keychain (gnome-keyring),
# pass (GnuPG, ed25519, no passphrase) and OpenBao (a one-node Raft server on this machine, KV
# v2, so writes reach the disk). Run under tests/support/with-keyring.sh with `bao` on PATH;
# `make bench-backends` does. Prints medians in ms.
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

# OpenBao: one Raft node, initialised and unsealed, KV v2 at secret/.
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/bao/data"
cat >"$work/bao/config.hcl" <<HCL
storage "raft" {
  path = "$work/bao/data"
  node_id = "bench"
  performance_multiplier = 1
}
listener "tcp" {
  address = "127.0.0.1:$port"
  cluster_address = "127.0.0.1:$((port + 1))"
  tls_disable = true
}
api_addr = "http://127.0.0.1:$port"
cluster_addr = "http://127.0.0.1:$((port + 1))"
disable_mlock = true
HCL
bao server -config="$work/bao/config.hcl" >"$work/bao/log" 2>&1 &
BAO_PID=$!
export BAO_ADDR=http://127.0.0.1:$port
until curl -s -o /dev/null "$BAO_ADDR/v1/sys/health"; do sleep 0.1; done
init=$(curl -s -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$BAO_ADDR/v1/sys/init")
curl -s -X PUT -d "{\"key\":\"$(jq -r '.keys_base64[0]' <<<"$init")\"}" "$BAO_ADDR/v1/sys/unseal" >/dev/null
export BAO_TOKEN=$(jq -r .root_token <<<"$init")
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$BAO_ADDR/v1/sys/health") == 200 ]]; do sleep 0.1; done
curl -s -H "X-Vault-Token: $BAO_TOKEN" -X POST -d '{"type":"kv","options":{"version":"2"}}' "$BAO_ADDR/v1/sys/mounts/secret"

cleanup() { kill "$PEER_PID" "$BAO_PID" 2>/dev/null || true; gpgconf --kill gpg-agent || true; rm -rf "$work"; }
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
for backend in keychain pass openbao; do
  [[ $backend != keychain ]] && "$L" secret migrate --to "$backend" >/dev/null 2>&1
  echo "== $backend"
  measure "latchkey token (cached)" "$L" token "$url"
  measure "latchkey run -- true" env ONE=latchkey:bench/ONE "$L" run -- true
  measure "latchkey refresh (one, forced)" "$L" refresh "$url"
done
"$L" secret migrate --to keychain >/dev/null 2>&1

echo "== migrate $SECRETS secrets"
for i in $(seq "$SECRETS"); do printf 'value-%s' "$i" | "$L" secret set "bulk/S$i" >/dev/null; done
migrate() { # to
  local s e
  s=$(date +%s%N)
  "$L" secret migrate --to "$1" >/dev/null 2>&1
  e=$(date +%s%N)
  printf '%-34s %5s ms for %s items\n' "migrate $2 -> $1" "$(((e - s) / 1000000))" "$((SECRETS + 2))"
}
migrate openbao keychain
migrate keychain openbao
migrate pass keychain
