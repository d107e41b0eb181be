#!/usr/bin/env bash
# Golden tests of the language (docs/LANGUAGE.md): each tests/golden/lang/NAME.hako runs
# with `hako run` and its transcript must equal NAME.out: what it printed, then — when it
# exits with a status other than 0 or writes to stderr — a line "--- exit N" and its stderr
# (runtime errors with their tracebacks, compile errors). A first line `// args: ...` gives
# hako's options (--budget=N, --memory-limit=N). Each program runs at -O1 and -O0, from a
# scratch folder (so files it writes go there and tracebacks say NAME.hako). One
# TEST-RESULT per file and level.
#
#   UPDATE_GOLDEN=1 tests/sh/golden_lang.sh   rewrites the .out files (then review the diff:
#                                             the goldens are the spec)
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILDDIR:=$ROOT/build/release}"
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }
dir="$ROOT/tests/golden/lang"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for src in "$dir"/*.hako; do
  name=$(basename "$src" .hako)
  read -r first <"$src"
  opts=""
  case "$first" in "// args:"*) opts=${first#// args:} ;; esac
  for level in -O1 -O0; do
    work="$tmp/$name$level"
    mkdir -p "$work"
    cp "$src" "$work/"
    # shellcheck disable=SC2086
    (cd "$work" && "$hako" run $level $opts "$name.hako" >out 2>err </dev/null)
    status=$?
    {
      cat "$work/out"
      if [ $status != 0 ] || [ -s "$work/err" ]; then
        echo "--- exit $status"
        cat "$work/err"
      fi
    } >"$work/transcript"
    if [ "${UPDATE_GOLDEN:-}" = 1 ] && [ $level = -O1 ]; then
      cp "$work/transcript" "$dir/$name.out"
      echo "TEST-RESULT: pass $name $level (updated)"
    elif [ ! -f "$dir/$name.out" ]; then
      echo "TEST-RESULT: fail $name $level (no $name.out: run with UPDATE_GOLDEN=1)"
    elif cmp -s "$dir/$name.out" "$work/transcript"; then
      echo "TEST-RESULT: pass $name $level"
    else
      echo "TEST-RESULT: fail $name $level"
      diff -u "$dir/$name.out" "$work/transcript" | head -40
    fi
  done
done
