#!/usr/bin/env bash
# Applies each mutation of loom-tests/mutations/ to the source, one at a
# time, runs the model (or test) that must catch it, restores the source,
# and reports. See README.md, "Mutations".
#
#   loom-tests/mutate.sh                      # every *.mutation
#   loom-tests/mutate.sh 14-lifo-fence 22-... # only these (name or path)
#
# Each file:
#
#   path: runtime/src/scheduler/idle.rs     (the file the blocks edit)
#   model: scheduler::lifo_stuck_owner      (tests/<stem>.rs, test fn)
#   bound: 3                                (optional LOOM_MAX_PREEMPTIONS)
#   --- find
#   <exact text, once in the file>
#   --- replace
#   <replacement>
#
# `--- find` / `--- replace` pairs may repeat; `--- find: OTHER/PATH` edits
# another file in that block. Instead of `model:`, `cargo-test: ARGS` runs
# `cargo test ARGS` (a plain test, outside loom). A mutation is caught when
# its model fails, panics, deadlocks or runs past MUTATE_TIMEOUT seconds
# (default 600); it is stale when a find text does not occur exactly once,
# and broken when the mutated code does not build. Exits non-zero if any
# mutation survived, was stale or broken. Needs a clean tree: each
# mutated file is restored with `git checkout`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
timeout_s="${MUTATE_TIMEOUT:-600}"

if [ -n "$(git status --porcelain)" ]; then
    echo "mutate.sh: the tree has changes; commit them first (mutated files are restored with git checkout)" >&2
    exit 2
fi

files=()
if [ $# -eq 0 ]; then
    files=(loom-tests/mutations/*.mutation)
else
    for name in "$@"; do
        case "$name" in
            *.mutation) [ -f "$name" ] && files+=("$name") || files+=("loom-tests/mutations/$(basename "$name")") ;;
            *) files+=("loom-tests/mutations/$name.mutation") ;;
        esac
    done
fi

# apply FILE: applies the mutation, printing the edited paths, one a line;
# exits 3 (stale) if a find text does not occur exactly once. `meta FILE
# KEY` prints a header value.
mutation_tool() {
    python3 - "$@" <<'PY'
import sys

def parse(path):
    meta, blocks, cur, mode = {}, [], None, None
    with open(path) as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if line.startswith("--- find"):
            rest = line[len("--- find"):].strip()
            target = rest[1:].strip() if rest.startswith(":") else None
            cur = {"path": target, "find": [], "replace": []}
            blocks.append(cur)
            mode = "find"
        elif line == "--- replace" and cur is not None and mode == "find":
            mode = "replace"
        elif mode is None:
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition(":")
                meta[key.strip()] = value.strip()
        else:
            cur[mode].append(line)
    if not blocks or any(not b["find"] for b in blocks):
        sys.exit(f"{path}: no `--- find` block, or an empty one")
    for b in blocks:
        b["path"] = b["path"] or meta.get("path")
        if not b["path"]:
            sys.exit(f"{path}: a block with no path")
    return meta, blocks

cmd, path = sys.argv[1], sys.argv[2]
meta, blocks = parse(path)
if cmd == "meta":
    print(meta.get(sys.argv[3], ""))
elif cmd == "apply":
    texts = {}
    for b in blocks:
        if b["path"] not in texts:
            with open(b["path"]) as f:
                texts[b["path"]] = f.read()
        find, replace = "\n".join(b["find"]), "\n".join(b["replace"])
        count = texts[b["path"]].count(find)
        if count != 1:
            print(f"stale: the find text occurs {count} times in {b['path']}", file=sys.stderr)
            sys.exit(3)
        texts[b["path"]] = texts[b["path"]].replace(find, replace)
    for p, text in texts.items():
        with open(p, "w") as f:
            f.write(text)
        print(p)
PY
}

export CARGO_TARGET_DIR_LOOM="${CARGO_TARGET_DIR_LOOM:-$root/target-loom}"
tried=0 caught=0 survived=0 stale=0 broken=0
report=()
started_all=$(date +%s)
for file in "${files[@]}"; do
    name=$(basename "$file" .mutation)
    if [ ! -f "$file" ]; then
        report+=("$name|-|missing|0")
        stale=$((stale + 1))
        continue
    fi
    tried=$((tried + 1))
    model=$(mutation_tool meta "$file" model)
    cargo_test=$(mutation_tool meta "$file" cargo-test)
    bound=$(mutation_tool meta "$file" bound)
    started=$(date +%s)
    if ! edited=$(mutation_tool apply "$file"); then
        # Nothing is written unless every block applies.
        report+=("$name|${model:-$cargo_test}|STALE|0")
        stale=$((stale + 1))
        continue
    fi
    log="$root/target-loom/mutate-$name.log"
    mkdir -p "$root/target-loom"
    if [ -n "$model" ]; then
        stem=${model%%::*}
        fn=${model#*::}
        build=(env RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$CARGO_TARGET_DIR_LOOM"
            cargo test --release -p braid-loom-tests --test "$stem" --no-run)
        run=(env RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$CARGO_TARGET_DIR_LOOM"
            LOOM_MAX_PREEMPTIONS="${bound:-2}"
            cargo test --release -p braid-loom-tests --test "$stem" "$fn" -- --exact)
        what=$model
    else
        # shellcheck disable=SC2206
        args=($cargo_test)
        build=(cargo test "${args[@]}" --no-run)
        run=(cargo test "${args[@]}")
        what="cargo test $cargo_test"
    fi
    if ! "${build[@]}" >"$log" 2>&1; then
        result=BROKEN
        broken=$((broken + 1))
    else
        timeout --kill-after=10 "$timeout_s" "${run[@]}" >>"$log" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            if ! grep -q "^running [1-9]" "$log"; then
                result="BROKEN (no test ran)"
                broken=$((broken + 1))
            else
                result=SURVIVED
                survived=$((survived + 1))
            fi
        elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            result="caught (timeout)"
            caught=$((caught + 1))
        else
            result=caught
            caught=$((caught + 1))
        fi
    fi
    # shellcheck disable=SC2086
    git checkout -q -- $edited
    report+=("$name|$what|$result|$(( $(date +%s) - started ))")
    echo "mutate.sh: $name: $result ($(( $(date +%s) - started )) s, log $log)" >&2
done

printf '\n%-34s %-48s %-22s %s\n' mutation "caught by" result "time (s)"
for line in "${report[@]}"; do
    IFS='|' read -r name what result secs <<<"$line"
    printf '%-34s %-48s %-22s %s\n' "$name" "$what" "$result" "$secs"
done
echo
echo "$tried tried, $caught caught, $survived survived, $stale stale, $broken broken ($(( $(date +%s) - started_all )) s)"
[ $survived -eq 0 ] && [ $stale -eq 0 ] && [ $broken -eq 0 ]
