# Shared by the LD_PRELOAD tests: where libhakmem.so is, and skips where it cannot work.
# shellcheck shell=bash
HAKMEM_SO="$BUILDDIR/libhakmem.so"
case "$MODE" in
  asan|tsan) echo "skip: a sanitizer build's libhakmem.so cannot be preloaded into other programs"; exit 77 ;;
esac
[ -f "$HAKMEM_SO" ] || { echo "missing $HAKMEM_SO"; exit 1; }
# Proves the preload took: the library is mapped in the process.
assert_mapped() {  # pid
  grep -q libhakmem.so "/proc/$1/maps" || { echo "libhakmem.so is not mapped in pid $1"; exit 1; }
}
