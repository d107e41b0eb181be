#!/usr/bin/env bash
# The VM's tests again with HAKMEM_BACKEND=system, so that under --mode asan every block of
# a runtime is a malloc block that AddressSanitizer checks (use after free by a missing GC
# root) and LeakSanitizer accounts for (a runtime must give back everything it allocated).
set -eu
case "$MODE" in asan) ;; *) echo "skipped: only meaningful in --mode asan"; exit 77 ;; esac
HAKMEM_BACKEND=system ASAN_OPTIONS=detect_leaks=1 "$BUILDDIR/tests/vm_test" --gtest_brief=1
