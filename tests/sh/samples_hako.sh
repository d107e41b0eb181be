#!/usr/bin/env bash
# Every sample's Hako twin prints its golden output (the Lua twin's, tests/golden/samples):
# one result per sample at -O1 (the default), at -O0, with the interpreter's switch loop,
# and under --gc-stress (a collection at every allocation; havlak, whose fixed 5213-block
# graph makes that take minutes, at every 64th).
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }

run() {  # LABEL CHECK-ARGS...
  local label=$1
  shift
  "$PYTHON" "$ROOT/samples/check.py" "$@" 2>&1 | awk -v label="$label" '
    /^ok / { print "TEST-RESULT: pass " label " " $2; next }
    /^FAIL / { print "TEST-RESULT: fail " label " " $2; print; next }
    { print }'
}

run "hako" --hako "$hako run"
run "hako -O0" --hako "$hako run -O0"
run "hako --switch-dispatch" --hako "$hako run --switch-dispatch"
all=$(awk '!/^#/ && NF { print $1 }' "$ROOT/samples/sizes.txt" | grep -v '^havlak$')
# shellcheck disable=SC2086
run "hako --gc-stress" --hako "$hako run --gc-stress" $all
run "hako --gc-stress" --hako "$hako run --gc-stress=64" havlak
