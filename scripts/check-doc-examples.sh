#!/usr/bin/env bash
# Checks the two rules of hidden items: anything marked `#[doc(hidden)]` in
# the library crates.
#
# 1. No public doc comment (and so no example) names a hidden item. A user
#    who pastes such an example gets "cannot find", or depends on an item
#    that may go away. Doc comments inside the hidden modules themselves are
#    not public docs. (A hidden module is listed here by hand: its files
#    hold no public docs.)
# 2. No other package of the workspace uses a hidden module or free
#    function: crates meet at their documented API. The exceptions are the
#    `loom_harness` modules, which exist for the loom models (`loom-tests/`, and
#    the harness of a crate above, itself named `loom_harness.rs`), and the
#    `__private` module of gather, which only its macros' expansions name.
set -euo pipefail
cd "$(dirname "$0")/.."

crates=(runtime/src reactor/src gather/src macros/src)
packages=(runtime reactor gather macros benches loom-tests)

# One line per hidden item (the item that follows each #[doc(hidden)]): the
# package that defines it, its kind, and a pattern written the way an
# example would use it: a module or a free item through its crate's path, a
# method as `.name(` or `::name(`, a constant by name.
items=$(for file in $(find "${crates[@]}" -name '*.rs'); do
    case "$file" in
        runtime/*) krate=braid ;;
        reactor/*) krate=braid_reactor ;;
        gather/*) krate=braid_gather ;;
        *) krate=braid_macros ;;
    esac
    awk -v krate="$krate" -v package="${file%%/*}" '
        /#\[doc\(hidden\)\]/ { hidden = 1; next }
        hidden && /^[[:space:]]*#\[/ { next }
        hidden {
            if (match($0, /pub[[:space:]]+(mod|fn|const|static|struct|enum|trait|type)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*/)) {
                item = substr($0, RSTART, RLENGTH)
                n = split(item, word, /[[:space:]]+/)
                kind = word[2]; name = word[n]
                indented = ($0 ~ /^[[:space:]]/)
                if (kind == "fn" && indented) print package, "method", "[.:]" name "\\("
                else if (kind == "mod" || kind == "fn") print package, kind, "(" krate "|braid)::" name "\\b"
                else print package, kind, "\\b" name "\\b"
            }
            hidden = 0
        }' "$file"
done | sort -u)

if [ -z "$items" ]; then
    echo "hidden items: none in the library crates"
    exit 0
fi

patterns=$(echo "$items" | awk '{ print $3 }' | sort -u)
pattern="($(echo $patterns | tr ' ' '|'))"
found=0

# Rule 1.
while IFS= read -r file; do
    case "$file" in
        # The hidden modules' own files: not part of the public docs.
        */loom_harness.rs | gather/src/__private.rs) continue ;;
    esac
    if grep -nE '^[[:space:]]*//[/!]' "$file" | grep -E "$pattern" | sed "s|^|$file:|"; then
        found=1
    fi
done < <(find "${crates[@]}" -name '*.rs' | sort)

if [ "$found" -ne 0 ]; then
    echo "error: the public doc comments above use hidden items" >&2
    exit 1
fi

# Rule 2: only modules and free functions, which another crate can name
# only through their crate's path; code lines only, comments skipped.
while read -r package kind item; do
    case "$kind" in mod | fn) ;; *) continue ;; esac
    while IFS= read -r file; do
        case "$file" in
            "$package"/*) continue ;;
            loom-tests/* | */loom_harness.rs) [[ "$item" == *::loom_harness\\b ]] && continue ;;
        esac
        if grep -nE "$item" "$file" | grep -vE '^[0-9]+:[[:space:]]*//' | sed "s|^|$file:|"; then
            found=1
        fi
    done < <(find "${packages[@]}" -name '*.rs' -not -path '*/target*' | sort)
done <<<"$items"

if [ "$found" -ne 0 ]; then
    echo "error: the code above uses another crate's hidden items" >&2
    exit 1
fi
echo "hidden items: no public doc names one, no other crate uses one" \
    "($(echo $patterns | wc -w) checked)"
