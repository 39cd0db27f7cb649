#!/usr/bin/env bash
# Fails if a public doc comment (and so its examples) names a hidden item:
# anything marked `#[doc(hidden)]` in the library crates. A user who pastes
# such an example gets "cannot find", or depends on an item that may go away.
# Doc comments inside the hidden modules themselves are not public docs.
# (A hidden module is listed here by hand: its files hold no public docs.)
set -euo pipefail
cd "$(dirname "$0")/.."

crates=(runtime/src reactor/src gather/src macros/src)

# One pattern per hidden item (the item that follows each #[doc(hidden)]),
# written the way an example would use it: a module or a free item through
# its crate's path, a method as `.name(` or `::name(`, a constant by name.
patterns=$(for file in $(find "${crates[@]}" -name '*.rs'); do
    case "$file" in
        runtime/*) krate=braid ;;
        reactor/*) krate=braid_reactor ;;
        gather/*) krate=braid_gather ;;
        *) krate=braid_macros ;;
    esac
    awk -v krate="$krate" '
        /#\[doc\(hidden\)\]/ { hidden = 1; next }
        hidden && /^[[:space:]]*#\[/ { next }
        hidden {
            if (match($0, /pub[[:space:]]+(mod|fn|const|static|struct|enum|trait|type)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*/)) {
                item = substr($0, RSTART, RLENGTH)
                n = split(item, word, /[[:space:]]+/)
                kind = word[2]; name = word[n]
                indented = ($0 ~ /^[[:space:]]/)
                if (kind == "fn" && indented) print "[.:]" name "\\("
                else if (kind == "mod" || kind == "fn") print "(" krate "|braid)::" name "\\b"
                else print "\\b" name "\\b"
            }
            hidden = 0
        }' "$file"
done | sort -u)

if [ -z "$patterns" ]; then
    echo "doc examples: no hidden items in the library crates"
    exit 0
fi

pattern="($(echo $patterns | tr ' ' '|'))"
found=0
while IFS= read -r file; do
    case "$file" in
        # The hidden modules' own files: not part of the public docs.
        */loom.rs | gather/src/__private.rs) continue ;;
    esac
    if grep -nE '^[[:space:]]*//[/!]' "$file" | grep -E "$pattern" | sed "s|^|$file:|"; then
        found=1
    fi
done < <(find "${crates[@]}" -name '*.rs' | sort)

if [ "$found" -ne 0 ]; then
    echo "error: the public doc comments above use hidden items" >&2
    exit 1
fi
echo "doc examples: no public doc names a hidden item ($(echo $patterns | wc -w) hidden items checked)"
