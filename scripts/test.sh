#!/usr/bin/env bash
# The whole test suite: formatting, lints, docs, unit/integration/doc tests, the
# loom models, Miri on the unsafe-heavy modules, and a benchmark build.
# Run from anywhere; exits non-zero on the first failure.
#
# Needs stable Rust with rustfmt and clippy, and nightly with the miri and
# rust-src components (`.ci/run` installs all of them on a fresh machine).
# No step is skipped silently: a step that cannot run fails the script,
# unless BRAID_ALLOW_SKIP=1 is set.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all --check

# The optional features of `braid` that ship; each is linted and tested on
# its own, as a user turns it on.
features=(hyper tokio-io tracing)

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
for feature in "${features[@]}"; do
    step "clippy with braid's feature '$feature'"
    cargo clippy -p braid --all-targets --features "$feature" -- -D warnings
done

step "docs (broken or ambiguous links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -p braid --no-deps --features "$(IFS=,; echo "${features[*]}")"

step "doc examples use no hidden item"
bash scripts/check-doc-examples.sh

step "tests: unit, integration and doc, whole workspace"
cargo test --workspace

# Without the feature, braid-gather's tests run on a hand-driven spawner
# (tests/support/manual.rs): the slot array, deferred completion, outside
# and own-token cancellation, panics, wake counts. The workspace run above
# turns the feature on through the benches; say so here rather than rely
# on it.
for feature in "${features[@]}"; do
    step "tests: braid with its feature '$feature' (unit, integration, doc)"
    cargo test -p braid --features "$feature"
done

step "examples build (every feature on)"
cargo build -p braid --examples --all-features

step "tests: braid-gather without its tokio feature (hand-driven spawner)"
cargo test -p braid-gather

step "tests: braid-gather with its tokio feature"
cargo test -p braid-gather --features tokio

# The workspace run above turns braid's `hyper` feature on through the
# benches; `tokio-io` only these runs turn on.
step "braid with its tokio-io feature: clippy, docs, the tokio::io bridge tests"
cargo clippy -p braid --all-targets --features tokio-io -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p braid --no-deps --features hyper,tokio-io
cargo test -p braid --features hyper,tokio-io --test http_tokio_io

step "clippy on the loom build of the real code (cfg(loom), warnings are errors)"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$PWD/target-loom" \
    cargo clippy --release -p braid-loom-tests --tests -- -D warnings

step "loom models"
bash loom-tests/run.sh

step "miri: task system, slot array, tokens"
bash loom-tests/miri.sh

step "benchmarks build"
cargo bench --workspace --no-run

printf '\nall checks passed\n'
