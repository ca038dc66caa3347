#!/usr/bin/env bash
# Installs, with apt, only the system packages Latchkey's build and tests need that are missing.
# Debian/Ubuntu only; on macOS and Windows see the README.
set -euo pipefail

# command-or-file -> package
declare -A NEED=(
  [cc]=build-essential
  [pkg-config]=pkg-config
  [curl]=curl
  [jq]=jq
  [git]=git
  [dbus-run-session]=dbus
  [dbus-send]=dbus
  [gnome-keyring-daemon]=gnome-keyring
  [/usr/bin/chromium]=chromium
  [node]=nodejs
  [npm]=npm
  [faketime]=faketime
  # Tests drop to `nobody` to see an unreadable config file as root does not.
  [setpriv]=util-linux
  # The `pass` secret backend and its tests (a throw-away GnuPG key).
  [gpg]=gnupg
  [pass]=pass
  # The desktop app (Tauri v2 on WebKitGTK) and its tests under Xvfb with WebKitWebDriver.
  [/usr/include/webkitgtk-4.1/webkit2/webkit2.h]=libwebkit2gtk-4.1-dev
  [/usr/include/libayatana-appindicator3-0.1/libayatana-appindicator/app-indicator.h]=libayatana-appindicator3-dev
  [/usr/include/librsvg-2.0/librsvg/rsvg.h]=librsvg2-dev
  [/usr/include/openssl/ssl.h]=libssl-dev
  [/usr/include/xdo.h]=libxdo-dev
  [file]=file
  [Xvfb]=xvfb
  [xauth]=xauth
  [xvfb-run]=xvfb
  [WebKitWebDriver]=webkit2gtk-driver
  [dpkg-deb]=dpkg
  # The .rpm's metadata and files are read, and it is installed into a throw-away root.
  [rpm]=rpm
  # The man page is rendered with man (tests/package/deb.sh, the e2e tests).
  [man]=man-db
  [notify-send]=libnotify-bin
  # The tray test checks that "Open Latchkey" maps the window, and closes it as a window
  # manager's close button does (tests/support/close_window.py, with the system's Python).
  [xwininfo]=x11-utils
  [/usr/lib/python3/dist-packages/Xlib/__init__.py]=python3-xlib
  # The accessibility test reads the real app over AT-SPI with the system Python's bindings.
  [/usr/libexec/at-spi-bus-launcher]=at-spi2-core
  [/usr/lib/python3/dist-packages/gi/__init__.py]=python3-gi
  [/usr/lib/x86_64-linux-gnu/girepository-1.0/Atspi-2.0.typelib]=gir1.2-atspi-2.0
)
missing=()
for what in "${!NEED[@]}"; do
  if [[ $what == /* ]]; then [[ -e $what ]] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("${NEED[$what]}")
done
[[ -e /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)
if ((${#missing[@]} == 0)); then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: missing ${missing[*]}, and this is not a Debian/Ubuntu system: install them yourself (see README)" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) != 0 ]]; then sudo="sudo"; fi
echo "install-system-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
