#!/usr/bin/env bash
# `hako compare` (docs/COMPARE.md): --quick on two samples prints a table per sample and
# writes compare.md, runs.csv, summary.csv and the plots (when matplotlib is there) with
# sane contents; a run whose output is wrong is FAILED, not timed (exit 1); usage errors
# exit 2: an unknown sample or allocator, a sample without its twin. Also `hako run
# --gc-stats`.
set -u
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "skip: no $hako"; exit 77; }
"$hako" lua --help >/dev/null 2>&1 || { echo "skip: hako was built without Lua 5.4"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

pass() { echo "TEST-RESULT: pass $1"; }
fail() { echo "TEST-RESULT: fail $1 ($2)"; }

# Peers are preloaded; a sanitizer's runtime must come first, so only hakmem and glibc there.
allocators=""
case "$MODE" in asan|tsan) allocators="--allocators hakmem-evolving,glibc" ;; esac

printf 'let a = [];\nfor (i in range(0, 50000)) { push(a, [i]); }\nprint(len(a));\n' >gc.hako
"$hako" run --gc-stats gc.hako >gc.out 2>gc.err
if [ "$(cat gc.out)" = "50000" ] &&
  grep -qE '^hako-gc: cycles=[1-9][0-9]* pause_ms=[0-9.]+ heap_bytes=[0-9]+ objects=[0-9]+ peak_rss_kb=[1-9][0-9]*$' gc.err; then
  pass "run --gc-stats"
else
  fail "run --gc-stats" "stdout $(head -c 100 gc.out), stderr $(head -c 300 gc.err)"
fi

# --- the quick comparison ------------------------------------------------------------
# shellcheck disable=SC2086
"$hako" compare --quick $allocators --out "$tmp/out" binary_trees string_builder >stdout 2>stderr
status=$?
n_alloc=$(grep -c '^checked: ' stdout)
if [ "$status" = 0 ] && [ "$n_alloc" -ge 2 ]; then
  pass "compare --quick: exit 0, $n_alloc allocators checked"
else
  fail "compare --quick: exit 0" "exit $status, $n_alloc allocators; $(tail -c 600 stderr) $(tail -c 600 stdout)"
fi
grep -q '^\[[0-9]*/[0-9]*\] binary_trees run 1/3 ' stderr &&
  pass "compare --quick: progress lines" || fail "compare --quick: progress lines" "$(head -c 300 stderr)"

# A table per sample: its title, and a row per runtime and allocator with a time.
ok=1
for s in "binary_trees (size 6)" "string_builder (size 2000)"; do
  grep -qF "$s — output checked against tests/golden/samples/" stdout || { ok=0; echo "no title: $s"; }
done
head_line='| runtime |       allocator | time (s) | spread | peak RSS (MiB) | allocations | bytes allocated | GC cycles | GC pause (ms) | page faults |'
[ "$(grep -cF "$head_line" stdout)" = 2 ] || { ok=0; echo "want 2 table heads"; }
rows=$(grep -cE '^\| (hako|lua) +\| +[a-z-]+ \| +[0-9.e-]+ \|' stdout)
[ "$rows" = $((2 * 2 * n_alloc)) ] || { ok=0; echo "rows with a time: $rows, want $((4 * n_alloc))"; }
[ $ok = 1 ] && pass "compare --quick: the tables" || fail "compare --quick: the tables" "$(head -c 2000 stdout)"

# Sane figures: hakmem counts allocations, tagged by runtime; a peer's are n/a; GC cycles.
row() { grep -E "^\| $1 +\| +$2 \|" stdout | head -1 | tr -d ' '; }
h=$(row hako hakmem-evolving)
l=$(row lua hakmem-evolving)
g=$(row hako glibc)
# fields: 1 "" 2 runtime 3 allocator 4 time 5 spread 6 rss 7 allocs 8 bytes 9 cycles 10 pause 11 faults 12 sites
f() { echo "$1" | cut -d'|' -f"$2"; }
ok=1
[ "$(f "$h" 7 | tr -d ',~')" -gt 1000 ] 2>/dev/null || { ok=0; echo "hako allocations: $h"; }
[ "$(f "$l" 7 | tr -d ',~')" -gt 1000 ] 2>/dev/null || { ok=0; echo "lua allocations: $l"; }
case "$(f "$h" 12)" in vm.array*) ;; *) ok=0; echo "hako top site: $h" ;; esac
case "$(f "$l" 12)" in lua.*) ;; *) ok=0; echo "lua top site: $l" ;; esac
[ "$(f "$g" 7)" = "n/a" ] && [ "$(f "$g" 12)" = "n/a" ] || { ok=0; echo "glibc row: $g"; }
[ "$(f "$h" 9)" -ge 1 ] 2>/dev/null && [ "$(f "$l" 9)" -ge 1 ] 2>/dev/null || { ok=0; echo "GC cycles: $h / $l"; }
[ "$(f "$l" 10)" = "n/a" ] || { ok=0; echo "lua pause: $l"; }
awk -v x="$(f "$h" 6)" 'BEGIN { exit !(x > 0.5 && x < 200) }' || { ok=0; echo "peak RSS: $h"; }
[ $ok = 1 ] && pass "compare --quick: sane figures" || fail "compare --quick: sane figures" "see above"

# The files.
ok=1
for s in binary_trees string_builder; do
  grep -q "^### $s (size" out/compare.md || { ok=0; echo "compare.md lacks $s"; }
done
grep -q '^Top 5 sites by bytes' out/compare.md || { ok=0; echo "compare.md: no sites table"; }
want_runs=$((1 + 2 * 2 * n_alloc * 3))
[ "$(wc -l <out/runs.csv)" = "$want_runs" ] || { ok=0; echo "runs.csv: $(wc -l <out/runs.csv) lines, want $want_runs"; }
head -1 out/runs.csv | grep -q '^sample,size,runtime,allocator,run,seconds,' || { ok=0; echo "runs.csv head"; }
[ "$(grep -c ',ok,' out/summary.csv)" = $((2 * 2 * n_alloc)) ] || { ok=0; echo "summary.csv: $(cat out/summary.csv)"; }
[ $ok = 1 ] && pass "compare --quick: compare.md, runs.csv, summary.csv" || fail "compare --quick: files" "see above"

plot_py=$(sed -n 's/^PLOT_PYTHON=//p' "$BUILDDIR/config.env" 2>/dev/null)
if [ -n "$plot_py" ]; then
  ok=1
  for p in metric-seconds metric-peak_rss_mib metric-allocations metric-bytes metric-gc_cycles \
    metric-gc_pause_ms metric-faults sizes-binary_trees sizes-string_builder; do
    [ "$(head -c 4 "out/$p.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG' ] || { ok=0; echo "no PNG $p"; }
    grep -qF "($p.png)" out/compare.md || { ok=0; echo "compare.md does not show $p"; }
  done
  [ $ok = 1 ] && pass "compare --quick: plots" || fail "compare --quick: plots" "$(ls out)"
else
  echo "TEST-RESULT: skip compare --quick: plots (no python3 with matplotlib)"
fi

# --- a wrong output is FAILED, never a time -----------------------------------------
mkdir twins && printf 'print("a");\n' >twins/differ.hako && printf 'print("b")\n' >twins/differ.lua
"$hako" compare --runs 1 --allocators glibc --out "$tmp/out2" twins/differ.lua >stdout 2>stderr
status=$?
if [ "$status" = 1 ] && grep -q "FAILED: differ hako under glibc: output differs" stdout &&
  grep -qE '^\| hako +\| +glibc \| +FAILED' stdout && grep -qE '^\| lua +\| +glibc \| +[0-9]' stdout; then
  pass "compare: a wrong output fails its pair (exit 1)"
else
  fail "compare: a wrong output fails its pair" "exit $status: $(tail -c 800 stdout) $(tail -c 300 stderr)"
fi

# --- usage errors: exit 2 with a clear message ----------------------------------------
check() {  # NAME WANT-STDERR-SUBSTRING ARGS...
  local name=$1 want=$2
  shift 2
  "$hako" compare --out "$tmp/out3" "$@" >stdout 2>stderr
  local got=$?
  if [ "$got" = 2 ] && grep -qF -- "$want" stderr && [ ! -e "$tmp/out3" ]; then
    pass "compare: $name"
  else
    fail "compare: $name" "exit $got; stderr: $(head -c 300 stderr)"
  fi
}
check "unknown sample" "hako compare: unknown sample 'nope' (known: " nope
check "unknown allocator" "hako compare: unknown allocator 'ptmalloc9' (known: hakmem-evolving," \
  --allocators glibc,ptmalloc9 binary_trees
printf 'print(1);\n' >twins/lonely.hako
check "sample without a twin" "twins/lonely.hako has no twin: twins/lonely.lua does not exist" \
  twins/lonely.hako
check "missing path" "twins/absent: no such file" twins/absent
check "no sample" "usage: hako compare" --quick
touch afile
check "--out is a file" "hako compare: --out afile/sub: Not a directory" --out afile/sub binary_trees
