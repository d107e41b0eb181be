#!/usr/bin/env bash
# HAKMEM_REPORT and HAKMEM_PROFILE still name their files at exit when the program wrote
# over its environment's memory meanwhile (redis-server's process title does).
set -eu
source "$(dirname "$0")/lib/preload.bash"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$(HAKMEM_REPORT="$dir/report.json" HAKMEM_PROFILE="$dir/run.profile" LD_PRELOAD="$HAKMEM_SO" \
  "$BUILDDIR/tests/progs/env_clobber" 2>"$dir/err")
[ "$out" = clobbered ] || { echo "got '$out'"; cat "$dir/err"; exit 1; }
if [ -s "$dir/err" ]; then echo "hakmem said:"; cat "$dir/err"; exit 1; fi
[ -s "$dir/report.json" ] || { echo "no report written"; exit 1; }
grep -q '"sites"' "$dir/report.json" || { echo "report has no sites"; head -c 300 "$dir/report.json"; exit 1; }
[ -s "$dir/run.profile" ] || { echo "no profile written"; exit 1; }
head -1 "$dir/run.profile" | grep -q hakmem || { echo "profile header:"; head -1 "$dir/run.profile"; exit 1; }
echo ok
