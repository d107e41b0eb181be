#!/bin/sh
# Re-runs every Lua twin at its small size and compares its output with
# tests/golden/samples/NAME.small.out (see check.py for the other modes).
exec python3 "$(dirname "$0")/check.py" "$@"
