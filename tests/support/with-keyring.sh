#!/bin/sh
# Run a command with a real, unlocked Secret Service: a private D-Bus session bus and a
# gnome-keyring-daemon unlocked with a throw-away password, in a fresh HOME (so the "login"
# keyring is created new and can never open a hidden unlock prompt).
#
#   tests/support/with-keyring.sh <command> [args]...
#
# With LATCHKEY_TEST_KEYRING=locked, the keyring is created and then locked, for the tests of
# what Latchkey says about a locked keychain.
set -eu
if [ -z "${LATCHKEY_KEYRING_INNER:-}" ]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-keyring.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT INT TERM
  # Toolchains found through HOME keep working.
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
  export HOME="$scratch/home" XDG_CACHE_HOME="$scratch/cache" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config"
  export XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  export LATCHKEY_KEYRING_INNER=1
  # Should the keyring daemon die mid-run (seen in CI, cause unknown), D-Bus would start the
  # system's one on the next call: locked, with a prompt nobody can answer, and every test after
  # it fails. This bus starts ours instead: the same login keyring, unlocked with its password.
  mkdir -p "$scratch/services"
  cat >"$scratch/services/org.freedesktop.secrets.service" <<SERVICE
[D-BUS Service]
Name=org.freedesktop.secrets
Exec=/bin/sh -c 'printf %s latchkey-test-password | exec gnome-keyring-daemon --foreground --unlock --components=secrets'
SERVICE
  cat >"$scratch/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <servicedir>$scratch/services</servicedir>
  <include>/usr/share/dbus-1/session.conf</include>
</busconfig>
CONF
  exec dbus-run-session --config-file="$scratch/session.conf" -- "$0" "$@"
fi
eval "$(printf %s latchkey-test-password | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
export GNOME_KEYRING_CONTROL
unset LATCHKEY_KEYRING_INNER
exec "$@"
