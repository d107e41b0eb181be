#!/usr/bin/env bash
# The embedding API's tests again with HAKMEM_BACKEND=system, so that under --mode asan
# every block of a VM (objects, handles, host function records, error text) is a malloc
# block that AddressSanitizer checks and LeakSanitizer accounts for: hako_destroy must give
# back everything, live objects and held handles included. Then once more collecting at
# every allocation (HAKO_TEST_GC_STRESS), so that a value the API holds without a root is
# a use after free at once.
set -eu
case "$MODE" in asan) ;; *) echo "skipped: only meaningful in --mode asan"; exit 77 ;; esac
HAKMEM_BACKEND=system ASAN_OPTIONS=detect_leaks=1 "$BUILDDIR/tests/runtime_test" \
  --gtest_brief=1 --gtest_filter='Hako*'
HAKMEM_BACKEND=system ASAN_OPTIONS=detect_leaks=1 HAKO_TEST_GC_STRESS=1 \
  "$BUILDDIR/tests/runtime_test" --gtest_brief=1 --gtest_filter='Hako*'
