#!/usr/bin/env bash
# Builds the bare Tauri window (the floor) beside the release app and runs the benchmark.
# Called by `make bench-app` inside xvfb-run and tests/support/with-keyring.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cargo build --release --locked -p latchkey-cli -p latchkey-tray --manifest-path "$repo/Cargo.toml"
cargo build --release --manifest-path "$repo/benches/app/bare/Cargo.toml" --target-dir "$repo/target"
exec node "$repo/benches/app/bench.mjs"
