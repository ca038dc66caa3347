#!/usr/bin/env bash
# Installs the Python test peers' dependencies (the official Python MCP SDK and everything it
# needs, pinned in tests/peers/python-requirements.txt) into a virtual environment, by default target/tools/pyvenv: tests/peers/python-server.py runs with
# <venv>/bin/python. Idempotent: a stamp file in the venv records what was installed, and a
# venv whose stamp matches is left alone (no network). A stamp that differs (other pins, another
# Python) rebuilds the venv from scratch.
#   scripts/install-python-peers.sh [venv-dir]     (env: BASE_PYTHON, the interpreter the venv is made from; default python3)
set -euo pipefail
REQUIREMENTS=$(dirname "$0")/../tests/peers/python-requirements.txt
# Checked after the install, so a requirements file that drifted is noticed.
PINS=(mcp==2.3.0)
venv=${1:-target/tools/pyvenv}
python=${BASE_PYTHON:-python3}
stamp_file=$venv/.latchkey-peers-stamp

if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-python-peers: $python not found (needs Python >= 3.10; set BASE_PYTHON)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "install-python-peers: $python is $("$python" -V 2>&1); the MCP SDK needs Python >= 3.10" >&2
  exit 1
fi
pyver=$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
want="python=$pyver requirements=$(sha256sum "$REQUIREMENTS" | cut -c1-16)"

if [[ -f $stamp_file && -x $venv/bin/python ]] && [[ $(cat "$stamp_file") == "$want" ]]; then
  exit 0
fi

if [[ -e $venv ]]; then
  # Only ever delete something that is a venv (or an empty directory), never a mistyped path.
  if [[ ! -f $venv/pyvenv.cfg ]] && ! { [[ -d $venv ]] && [[ -z $(ls -A "$venv") ]]; }; then
    echo "install-python-peers: $venv exists and is not a virtual environment; not touching it" >&2
    exit 1
  fi
  echo "install-python-peers: rebuilding $venv (want: $want)" >&2
  rm -rf "$venv"
fi
echo "install-python-peers: creating $venv with $python ($pyver)" >&2
mkdir -p "$(dirname "$venv")"
if ! "$python" -m venv "$venv" 2>/dev/null; then
  # Debian/Ubuntu split ensurepip out of python3 into python3-venv.
  echo "install-python-peers: '$python -m venv' failed; installing python3-venv" >&2
  rm -rf "$venv"
  sudo=""; [[ $(id -u) != 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  "$python" -m venv "$venv"
fi
echo "install-python-peers: installing $REQUIREMENTS" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS" >&2
"$venv/bin/python" - "${PINS[@]}" <<'PY' >&2
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    got = version(name)
    if got != want:
        sys.exit(f"install-python-peers: {name} {got} installed, {want} wanted")
    print(f"install-python-peers: {name} {got}")
PY
echo "$want" >"$stamp_file"
