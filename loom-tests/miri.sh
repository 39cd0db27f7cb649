#!/usr/bin/env bash
# Runs the unit tests of the task system, the schedulers, the gather slot
# array and the cancellation token under Miri (strict provenance).
# Exits non-zero on failure; if the nightly Miri component cannot be
# installed, says so loudly and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! rustup component add --toolchain nightly miri rust-src; then
    echo "=================================================="
    echo "miri: SKIPPED (could not install the nightly miri component)"
    echo "=================================================="
    exit 0
fi
set -e
export MIRIFLAGS="-Zmiri-strict-provenance ${MIRIFLAGS:-}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-miri}"
cargo +nightly miri setup
cargo +nightly miri test -p braid --lib
cargo +nightly miri test -p braid-gather --lib
