#!/usr/bin/env bash
# The whole test suite: formatting, lints, docs, unit/integration/doc tests
# with the default features and with each optional feature of `braid`, the
# loom models, Miri on the unsafe-heavy modules, a build of every example
# and benchmark, and a short soak.
# Run from anywhere; exits non-zero on the first failure.
#
# Needs stable Rust with rustfmt and clippy, and nightly with the miri and
# rust-src components (`.ci/run` installs all of them on a fresh machine).
# No step is skipped silently: a step that cannot run fails the script,
# unless BRAID_ALLOW_SKIP=1 is set.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# The optional features of `braid` that ship. A workspace build turns some
# of them on for every crate (the benches use `hyper`), so `braid` is also
# linted and tested on its own: with its default features, and with each
# optional one as a user turns it on.
features=(hyper tokio-io tracing)
all_features="$(IFS=,; echo "${features[*]}")"

step "rustfmt"
cargo fmt --all --check

step "clippy (whole workspace, all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy: braid with its default features"
cargo clippy -p braid --all-targets -- -D warnings
for feature in "${features[@]}"; do
    step "clippy: braid with its feature '$feature'"
    cargo clippy -p braid --all-targets --features "$feature" -- -D warnings
done

step "docs (broken or ambiguous links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -p braid --no-deps --features "$all_features"

step "hidden items: named by no public doc, used by no other crate"
bash scripts/check-doc-examples.sh

step "tests: unit, integration and doc, whole workspace"
cargo test --workspace

step "tests: braid with its default features"
cargo test -p braid
for feature in "${features[@]}"; do
    step "tests: braid with its feature '$feature' (unit, integration, doc)"
    cargo test -p braid --features "$feature"
done

# Without the feature, braid-gather's tests run on a hand-driven spawner
# (tests/support/manual.rs): the slot array, deferred completion, outside
# and own-token cancellation, panics, wake counts. The workspace run above
# turns the feature on through the benches; say so here rather than rely
# on it.
step "tests: braid-gather without its tokio feature (hand-driven spawner)"
cargo test -p braid-gather

step "tests: braid-gather with its tokio feature"
cargo test -p braid-gather --features tokio

step "examples build (every feature on)"
cargo build -p braid --examples --features "$all_features"

step "clippy on the loom build of the real code (cfg(loom), warnings are errors)"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$PWD/target-loom" \
    cargo clippy --release -p braid-loom-tests --tests -- -D warnings

step "loom models"
bash loom-tests/run.sh

step "miri: task system, slot array, tokens"
bash loom-tests/miri.sh

step "benchmarks build"
cargo bench --workspace --no-run

step "soak: 30 s of mixed load, failing on any lost task, leak or growth"
bash scripts/soak.sh 30

printf '\nall checks passed\n'
