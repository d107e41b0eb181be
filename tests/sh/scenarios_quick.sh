#!/usr/bin/env bash
# bench/scenarios/run.py end to end at its tiny size, on hakmem-evolving and glibc (the system
# backend): every scenario runs, each run's allocator is verified, the CSV and the Markdown
# report are written, and the checksums agree across allocators (the runner exits 1 if not).
set -eu
case "$MODE" in asan|tsan) echo "skip: timing a sanitizer build means nothing"; exit 77 ;; esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log="$out/log"
if ! "$PYTHON" "$ROOT/bench/scenarios/run.py" --builddir "$BUILDDIR" --tiny --runs 1 \
    --allocators hakmem-evolving,glibc --out "$out" >"$log" 2>&1; then
  cat "$log"; exit 1
fi
csv="$out/runs.csv"
[ -f "$csv" ] || { echo "no $csv"; cat "$log"; exit 1; }
rows=$(($(wc -l <"$csv") - 1))
[ "$rows" -eq 8 ] || { echo "want 8 runs (4 scenarios x 2 allocators) in the CSV, got $rows"; exit 1; }
# One checksum per scenario across both allocators (column 11 of the CSV).
sums=$(tail -n +2 "$csv" | cut -d, -f1,11 | sort -u | wc -l)
[ "$sums" -eq 4 ] || { echo "checksums differ between allocators:"; cut -d, -f1,2,11 "$csv"; exit 1; }
grep -q "^### Ranking" "$out/report.md" || { echo "no ranking in report.md"; exit 1; }
grep -q "the same in every run under every allocator" "$out/report.md" || { echo "report: checksums"; exit 1; }
grep -q "Checked in every run: glibc: backend system" "$out/report.md" || { echo "report: glibc check"; exit 1; }
grep -q "Checked in every run: hakmem-evolving: backend hakmem, mode evolving" "$out/report.md" ||
  { echo "report: hakmem check"; exit 1; }
tail -n 1 "$log" | grep -q "^| hakmem-evolving\|^| glibc" || { echo "output does not end with the ranking"; tail -3 "$log"; exit 1; }
# A file given to the JSON scenario that is not strict JSON: one clear line, nothing run
# or written.
printf '{"a": [1, 2,]}' >"$out/bad.json"
if "$PYTHON" "$ROOT/bench/scenarios/run.py" --builddir "$BUILDDIR" --tiny --runs 1 \
    --allocators glibc --json-file "$out/bad.json" --out "$out/bad" >"$log" 2>&1; then
  echo "a malformed --json-file was accepted"; cat "$log"; exit 1
fi
grep -q "^scenarios: --json-file $out/bad.json cannot be used: .*trailing comma" "$log" ||
  { echo "no clear message for a malformed --json-file:"; cat "$log"; exit 1; }
[ ! -e "$out/bad" ] || { echo "a malformed --json-file left $out/bad behind"; exit 1; }
echo "ok"
