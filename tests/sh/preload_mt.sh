#!/usr/bin/env bash
# A multithreaded C++ program (new/delete, realloc, memalign, cross-thread frees) under
# libhakmem.so: same checksum as with glibc.
set -eu
source "$(dirname "$0")/lib/preload.bash"
prog="$BUILDDIR/tests/progs/mt_stress"
want=$("$prog")
LD_PRELOAD="$HAKMEM_SO" "$prog" > /tmp/preload_mt.$$ &
pid=$!
sleep 0.05; grep -q libhakmem.so /proc/$pid/maps 2>/dev/null && mapped=1 || mapped=0
wait $pid
got=$(cat /tmp/preload_mt.$$); rm -f /tmp/preload_mt.$$
[ "$want" = "$got" ] || { echo "output differs: want '$want' got '$got'"; exit 1; }
# The program may finish before the check: then ask ldd-style through LD_DEBUG instead.
if [ $mapped = 0 ]; then
  LD_DEBUG=libs LD_PRELOAD="$HAKMEM_SO" "$prog" 2>&1 >/dev/null | grep -q "calling init: $HAKMEM_SO" ||
    { echo "preload did not take"; exit 1; }
fi
echo "ok: $got"
