#!/usr/bin/env bash
# Every sample's Lua 5.4 twin still prints its golden output (the goldens the Hako twins
# are checked against): one result per sample.
command -v lua5.4 >/dev/null || { echo "skip: lua5.4 missing"; exit 77; }
"$PYTHON" "$ROOT/samples/check.py" 2>&1 | awk '
  /^ok / { print "TEST-RESULT: pass lua twin " $2; next }
  /^(FAIL|fail|DIFF|diff) / { print "TEST-RESULT: fail lua twin " $2; next }
  { print }'
