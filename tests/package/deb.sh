#!/usr/bin/env bash
# Installs the .deb built by the Tauri bundler with `dpkg -i`, checks what it holds, starts the
# CLI and the app from their installed paths, then removes the package again.
#   tests/package/deb.sh <path-to.deb>
# Needs root (or sudo), a display (run under xvfb-run) and a Secret Service
# (tests/support/with-keyring.sh). `make test-package` does all of that.
set -euo pipefail
deb=${1:?usage: $0 <path-to.deb>}
sudo=""
[[ $(id -u) == 0 ]] || sudo="sudo"
fail() { echo "deb test: FAIL: $*" >&2; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./##')
for want in usr/bin/latchkey-app usr/bin/latchkey-tray usr/bin/latchkey usr/share/applications/Latchkey.desktop \
  usr/share/icons/hicolor/128x128/apps/latchkey-app.png \
  usr/share/bash-completion/completions/latchkey usr/share/zsh/vendor-completions/_latchkey \
  usr/share/fish/vendor_completions.d/latchkey.fish usr/share/man/man1/latchkey.1.gz; do
  grep -qx -- "$want" <<<"$contents" || fail "$want is not in the package"
done

$sudo dpkg -i "$deb" >/dev/null
trap '$sudo dpkg -r latchkey >/dev/null 2>&1 || true' EXIT

# The desktop entry starts the resident tray itself (it opens the window), and names the
# window's class so that docks put the window under its launcher.
entry=/usr/share/applications/Latchkey.desktop
grep -qx 'Exec=latchkey-tray' $entry || fail "desktop entry: $(cat $entry)"
grep -qx 'StartupWMClass=latchkey-app' $entry || fail "desktop entry: $(cat $entry)"
[[ $(command -v latchkey) == /usr/bin/latchkey ]] || fail "latchkey is not on PATH"

# Completions load in bash as installed, and the man page renders with man.
bash -c 'source /usr/share/bash-completion/completions/latchkey && complete -p latchkey' |
  grep -q latchkey || fail "bash completion does not load"
MANWIDTH=100 man -P cat -l /usr/share/man/man1/latchkey.1.gz 2>/dev/null |
  grep -q 'One sign-in for every MCP client' || fail "the man page does not render"

# The CLI from PATH works.
home=$(mktemp -d)
export LATCHKEY_HOME="$home"
latchkey --version | grep -q '^latchkey ' || fail "latchkey --version"
latchkey list | grep -q 'No servers yet' || fail "latchkey list"

# The app starts, reaches "tray ready", and keeps running until stopped.
log="$home/app.log"
LATCHKEY_LOG=info /usr/bin/latchkey-app --hidden >"$log" 2>&1 &
app=$!
for _ in $(seq 1 100); do
  grep -q 'tray ready' "$log" && break
  kill -0 $app 2>/dev/null || { cat "$log" >&2; fail "the installed app exited"; }
  sleep 0.2
done
grep -q 'tray ready' "$log" || { cat "$log" >&2; fail "the installed app never reported its tray ready"; }
sleep 1
kill -0 $app 2>/dev/null || { cat "$log" >&2; fail "the installed app did not stay up"; }
# It became the resident tray (the same process), which never loads WebKit.
[[ $(readlink /proc/$app/exe) == /usr/bin/latchkey-tray ]] || fail "the app did not hand over to latchkey-tray: $(readlink /proc/$app/exe)"
grep -q libwebkit2gtk /proc/$app/maps && fail "the resident tray loaded WebKit"

# One instance only: a second launch hands over to the first and exits.
timeout 20 /usr/bin/latchkey-app --hidden >"$home/second.log" 2>&1 || { cat "$home/second.log" >&2; fail "the second launch did not exit by itself"; }
grep -q 'tray ready' "$home/second.log" && fail "a second instance started its own tray"
kill -0 $app 2>/dev/null || fail "the first instance died when the second launched"
kill $app
wait $app 2>/dev/null || true

# Started from the app menu (the entry's Exec, from PATH): the tray starts and opens the window,
# whose class is the entry's StartupWMClass.
exec_line=$(sed -n 's/^Exec=//p' $entry)
LATCHKEY_LOG=info $exec_line >"$home/menu.log" 2>&1 &
menu=$!
class=""
for _ in $(seq 1 100); do
  class=$(xprop -name Latchkey WM_CLASS 2>/dev/null) && break
  kill -0 $menu 2>/dev/null || { cat "$home/menu.log" >&2; fail "the app menu's entry exited"; }
  sleep 0.2
done
kill $menu
wait $menu 2>/dev/null || true
grep -q '"latchkey-app"' <<<"$class" || { cat "$home/menu.log" >&2; fail "no window of class latchkey-app from the app menu's entry: $class"; }
echo "deb test: ok ($(grep -o 'tray ready after [0-9]* ms' "$log"))"
