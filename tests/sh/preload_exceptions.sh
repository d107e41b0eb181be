#!/usr/bin/env bash
# C++ exceptions under LD_PRELOAD of libhakmem.so and libhakmem-secure.so: bad_alloc from
# operator new after the new-handler's turns, plain throws.
set -eu
source "$(dirname "$0")/lib/preload.bash"
for so in "$HAKMEM_SO" "$BUILDDIR/libhakmem-secure.so"; do
  out=$(LD_PRELOAD="$so" "$BUILDDIR/tests/progs/throw")
  [ "$out" = 4 ] || { echo "$(basename "$so"): got '$out'"; exit 1; }
done
echo ok
