#!/usr/bin/env bash
# `hako lua` runs every sample's Lua twin at its small size with the golden output (Lua 5.4
# on hakmem, with the tags of runtime/lua_bridge.h): one result per sample.
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "skip: no $hako"; exit 77; }
"$hako" lua --help >/dev/null 2>&1 || { echo "skip: hako was built without Lua 5.4"; exit 77; }
"$PYTHON" "$ROOT/samples/check.py" --lua "$hako lua" 2>&1 | awk '
  /^ok / { print "TEST-RESULT: pass hako lua " $2; next }
  /^(FAIL|fail|DIFF|diff) / { print "TEST-RESULT: fail hako lua " $2; next }
  { print }'
