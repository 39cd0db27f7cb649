#!/usr/bin/env bash
# The mixed soak (runtime/examples/soak.rs): spawn storms, gathers with
# random failures, panics and cancels, nested token trees, timers, TCP
# churn on loopback and blocking calls, for SECONDS (default 30). Exits
# non-zero on any lost or leaked task or future, a task left alive, a
# descriptor not closed, or resident memory that keeps growing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
cargo run --release -p braid --example soak -- "$seconds"
