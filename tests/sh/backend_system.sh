#!/usr/bin/env bash
# HAKMEM_BACKEND=system forwards the hak_* API to the process's malloc, so that a peer
# preloaded with LD_PRELOAD is measured through the same interface.
set -eu
prog="$BUILDDIR/tests/progs/backend_hak"
out=$("$prog")
[ "$out" = "backend=hakmem usable_ok=1 mimalloc_owns=n/a" ] || { echo "default: $out"; exit 1; }
out=$(HAKMEM_BACKEND=system "$prog")
[ "$out" = "backend=system usable_ok=1 mimalloc_owns=n/a" ] || { echo "system: $out"; exit 1; }
out=$(HAKMEM_BACKEND=bogus "$prog" 2>&1)
echo "$out" | grep -q "HAKMEM_BACKEND=bogus is not hakmem or system; using hakmem" || { echo "bogus: $out"; exit 1; }
case "$MODE" in asan|tsan) echo "ok (peer preload skipped under sanitizers)"; exit 0 ;; esac
mi=$(/sbin/ldconfig -p | awk '/libmimalloc.so.2 .*x86-64/ {print $NF; exit}')
if [ -n "$mi" ]; then
  out=$(HAKMEM_BACKEND=system LD_PRELOAD="$mi" "$prog")
  [ "$out" = "backend=system usable_ok=1 mimalloc_owns=yes" ] || { echo "mimalloc: $out"; exit 1; }
  out=$(LD_PRELOAD="$mi" "$prog")
  [ "$out" = "backend=hakmem usable_ok=1 mimalloc_owns=no" ] || { echo "mimalloc+hakmem: $out"; exit 1; }
fi
echo "ok"
