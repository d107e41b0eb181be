#!/usr/bin/env bash
# Golden tests of the compiler: for each tests/golden/mir/NAME.hako, the MIR at -O0 and
# -O1 (NAME.O0.mir, NAME.O1.mir) and the bytecode at -O1 (NAME.bytecode), compiled with
# the verifier on; or, when NAME.err exists, the compile errors on stderr and exit status 3.
# One TEST-RESULT line per file and form.
#
#   UPDATE_GOLDEN=1 tests/sh/golden_mir.sh     rewrites the expected files (then review the
#                                              diff: the goldens are the spec of the output)
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILDDIR:=$ROOT/build/release}"
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }
cd "$ROOT/tests/golden/mir" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {  # check NAME KIND EXPECTED-FILE ACTUAL-FILE
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$4" "$3"
    echo "TEST-RESULT: pass $1 $2 (updated)"
  elif [ ! -f "$3" ]; then
    echo "TEST-RESULT: fail $1 $2 (no $3: run with UPDATE_GOLDEN=1)"
  elif cmp -s "$3" "$4"; then
    echo "TEST-RESULT: pass $1 $2"
  else
    echo "TEST-RESULT: fail $1 $2"
    diff -u "$3" "$4" | head -40
  fi
}

for src in *.hako; do
  name=${src%.hako}
  if [ -f "$name.err" ] || [[ $name == err_* ]]; then
    "$hako" --dump-mir --verify "$src" >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ $status != 3 ] || [ -s "$tmp/out" ]; then
      echo "TEST-RESULT: fail $name errors (exit status $status, want 3 and no output)"
      continue
    fi
    check "$name" errors "$name.err" "$tmp/err"
    continue
  fi
  ok=1
  for level in O0 O1; do
    if ! "$hako" --dump-mir -$level --verify "$src" >"$tmp/$level" 2>"$tmp/err"; then
      echo "TEST-RESULT: fail $name $level (exit status $?: $(head -3 "$tmp/err"))"
      ok=0
      continue
    fi
    check "$name" "mir-$level" "$name.$level.mir" "$tmp/$level"
  done
  if "$hako" --dump-bytecode --verify "$src" >"$tmp/bc" 2>"$tmp/err"; then
    check "$name" bytecode "$name.bytecode" "$tmp/bc"
  else
    echo "TEST-RESULT: fail $name bytecode ($(head -3 "$tmp/err"))"
  fi
done
