#!/usr/bin/env bash
# Runs the loom models of braid (see README.md). Exits non-zero on failure.
# LOOM_MAX_PREEMPTIONS may be raised from the default of 2 for a deeper run.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom ${RUSTFLAGS:-}"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-loom}"
cargo test --release -p braid-loom-tests -- --nocapture --test-threads=1 "$@"
