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
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-miri}"
cargo +nightly miri setup

strict="-Zmiri-strict-provenance ${MIRIFLAGS:-}"
MIRIFLAGS="$strict" cargo +nightly miri test -p braid --lib -- --skip scheduler::worker::
MIRIFLAGS="$strict" cargo +nightly miri test -p braid-gather --lib

# The scheduler's LIFO-slot and shutdown tests go through crossbeam's
# deques, whose epoch collector casts integers to pointers (refused under
# strict provenance), reborrows in a way only Tree Borrows accepts, and
# keeps its global garbage lists alive for the life of the process. The
# tests assert themselves that every task is freed (the scheduler's
# reference count returns to one), so ignoring leaks hides none of ours.
MIRIFLAGS="-Zmiri-permissive-provenance -Zmiri-tree-borrows -Zmiri-ignore-leaks ${MIRIFLAGS:-}" \
    cargo +nightly miri test -p braid --lib scheduler::worker::
