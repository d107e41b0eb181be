#!/usr/bin/env bash
# C++ exceptions under LD_PRELOAD=libhakmem.so: bad_alloc from operator new, plain throws.
set -eu
source "$(dirname "$0")/lib/preload.bash"
out=$(LD_PRELOAD="$HAKMEM_SO" "$BUILDDIR/tests/progs/throw")
[ "$out" = 3 ] || { echo "got '$out'"; exit 1; }
echo ok
