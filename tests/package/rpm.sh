#!/usr/bin/env bash
# Reads the .rpm built by the Tauri bundler with rpm (its metadata, dependencies and files), then
# installs it into a throw-away root (`rpm --root`, no scripts, dependencies not resolved: this
# is a Debian machine) and runs the installed CLI, its completions and its man page from there.
#   tests/package/rpm.sh <path-to.rpm>
# `make test-package` runs it.
set -euo pipefail
pkg=${1:?usage: $0 <path-to.rpm>}
fail() { echo "rpm test: FAIL: $*" >&2; exit 1; }
command -v rpm >/dev/null || fail "rpm is not installed (scripts/install-system-deps.sh installs it)"

info=$(rpm -qip "$pkg" 2>/dev/null)
grep -q '^Name *: latchkey$' <<<"$info" || fail "name: $info"
grep -q '^Summary *: One sign-in for every MCP client$' <<<"$info" || fail "summary: $info"
grep -q '^License *: MIT OR Apache-2.0$' <<<"$info" || fail "license: $info"
rpm -qRp "$pkg" 2>/dev/null | grep -qx '(gnome-keyring or keepassxc or kwalletmanager5)' ||
  fail "it does not require a Secret Service: $(rpm -qRp "$pkg" 2>/dev/null | tr '\n' ' ')"

files=$(rpm -qlp "$pkg" 2>/dev/null)
for want in /usr/bin/latchkey-app /usr/bin/latchkey-tray /usr/bin/latchkey /usr/share/applications/Latchkey.desktop \
  /usr/share/icons/hicolor/128x128/apps/latchkey-app.png \
  /usr/share/bash-completion/completions/latchkey /usr/share/zsh/site-functions/_latchkey \
  /usr/share/fish/vendor_completions.d/latchkey.fish /usr/share/man/man1/latchkey.1.gz; do
  grep -qx -- "$want" <<<"$files" || fail "$want is not in the package"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
rpm --root "$root" --initdb
rpm --root "$root" -i --nodeps --noscripts --nosignature "$pkg" 2>/dev/null || fail "rpm -i into $root"
rpm --root "$root" -q latchkey >/dev/null || fail "the package is not recorded as installed"
[[ -x $root/usr/bin/latchkey && -x $root/usr/bin/latchkey-app ]] || fail "the binaries are not installed"
grep -qx 'Exec=latchkey-tray' "$root/usr/share/applications/Latchkey.desktop" || fail "desktop entry"
grep -qx 'StartupWMClass=latchkey-app' "$root/usr/share/applications/Latchkey.desktop" || fail "desktop entry's window class"
[[ -x $root/usr/bin/latchkey-tray ]] || fail "the desktop entry's latchkey-tray is not installed"
home=$(mktemp -d)
trap 'rm -rf "$root" "$home"' EXIT
LATCHKEY_HOME="$home" "$root/usr/bin/latchkey" --version | grep -q '^latchkey ' || fail "the installed latchkey --version"
bash -c "source '$root/usr/share/bash-completion/completions/latchkey' && complete -p latchkey" |
  grep -q latchkey || fail "the installed bash completion does not load"
grep -q '#compdef latchkey' "$root/usr/share/zsh/site-functions/_latchkey" || fail "zsh completion"
MANWIDTH=100 man -P cat -l "$root/usr/share/man/man1/latchkey.1.gz" 2>/dev/null |
  grep -q 'One sign-in for every MCP client' || fail "the installed man page does not render"
echo "rpm test: ok ($(du -sm "$pkg" | cut -f1) MB, $(wc -l <<<"$files") files)"
