#!/usr/bin/env bash
# Reports that never lie or vanish (issue 16): each case failed on the code before the fix.
# Real programs under LD_PRELOAD, as a user profiles them.
set -u
source "$(dirname "$0")/lib/preload.bash"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
ok() { echo "TEST-RESULT: pass $1"; }
bad() { echo "TEST-RESULT: fail $1"; shift; echo "  $*"; }
seq 1 20000 | sort -R --random-source=<(yes) >"$work/nums.txt"

# A program that closes its standard streams before exit (sort, head and wc close stdout
# and stderr through gnulib's close_stdout) still gets its report on the stream named.
for cmd in "sort -n $work/nums.txt" "head -1 $work/nums.txt" "wc -l $work/nums.txt"; do
  HAKMEM_REPORT=stderr LD_PRELOAD="$HAKMEM_SO" $cmd >/dev/null 2>"$work/err"
  grep -q '^hakmem report: pid [0-9]*: '"${cmd%% *}" "$work/err" &&
    ok "HAKMEM_REPORT=stderr survives '${cmd%% *}' closing stderr" ||
    bad "report of '${cmd%% *}' on stderr" "$(head -3 "$work/err")"
done
HAKMEM_REPORT=/dev/stdout LD_PRELOAD="$HAKMEM_SO" sort -n "$work/nums.txt" >"$work/out"
grep -q '^hakmem report' "$work/out" && ok "HAKMEM_REPORT=/dev/stdout survives it too" ||
  bad "report on /dev/stdout" "$(tail -3 "$work/out")"

# %p and %e: one report per process of a tree (sh starting wc and sort).
HAKMEM_REPORT="$work/r.%e.%p.txt" LD_PRELOAD="$HAKMEM_SO" \
  sh -c "wc -l $work/nums.txt >/dev/null; sort -n $work/nums.txt >/dev/null; true"
n_wc=$(ls "$work"/r.wc.*.txt 2>/dev/null | wc -l)
n_sort=$(ls "$work"/r.sort.*.txt 2>/dev/null | wc -l)
if [ "$n_wc" = 1 ] && [ "$n_sort" = 1 ]; then
  f=$(ls "$work"/r.sort.*.txt)
  pid=${f##*r.sort.}; pid=${pid%.txt}
  head -1 "$f" | grep -q "^hakmem report: pid $pid: sort -n" && ok "%e and %p expanded: a report per process" ||
    bad "%p is the pid" "$f: $(head -1 "$f")"
else
  bad "%e and %p expanded" "$(ls "$work")"
fi
HAKMEM_REPORT="$work/100%%.txt" LD_PRELOAD="$HAKMEM_SO" sort -n "$work/nums.txt" >/dev/null
[ -s "$work/100%.txt" ] && ok "%% is a percent sign" || bad "%%" "$(ls "$work")"

# The header is one line, whatever the arguments hold (here a newline in a file name).
nl_name="$work/a
b"
printf '1\n' >"$nl_name"
HAKMEM_REPORT="$work/nl.txt" LD_PRELOAD="$HAKMEM_SO" sort -n "$nl_name" >/dev/null
head -1 "$work/nl.txt" | grep -q 'sort -n .*/a\\nb$' && sed -n 2p "$work/nl.txt" | grep -q '^mode ' &&
  ok "control characters of the command line are escaped" || bad "command line escaped" "$(head -3 "$work/nl.txt")"

# Percentiles never above the max; lifetimes never longer than the run; one unit style;
# (tuned) only for sites whose tuner ran epochs; fragmentation at the peak, and n/a rather
# than a ratio against almost nothing live.
cat >"$work/big.py" <<'EOF'
import time
keep = [bytearray(300000) for _ in range(60)]
junk = [str(i) * 3 for i in range(200000)]
del junk
time.sleep(0.1)
EOF
start=$(date +%s%N)
HAKMEM_REPORT="$work/p.json" LD_PRELOAD="$HAKMEM_SO" /usr/bin/python3 "$work/big.py"
HAKMEM_REPORT="$work/p.txt" LD_PRELOAD="$HAKMEM_SO" /usr/bin/python3 "$work/big.py"
elapsed_ns=$(( $(date +%s%N) - start ))
out=$("$PYTHON" - "$work/p.json" "$elapsed_ns" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); run_ns = int(sys.argv[2])
k = r['kpi']; lat = k['latency_ns']; errs = []
if not lat['p50'] <= lat['p95'] <= lat['p99'] <= lat['max']:
    errs.append(f'latency {lat}')
for s in r['sites']:
    lt = s['lifetime_ns']
    if lt['p50'] > lt['max'] or lt['max'] > run_ns:
        errs.append(f"{s['name']}: lifetime {lt} in a run of {run_ns} ns")
if not k['peak_live_bytes'] >= 60 * 300000:
    errs.append(f"peak live {k['peak_live_bytes']} < the 18 MB held")
if not 1 <= k['peak_fragmentation'] < 10:
    errs.append(f"peak fragmentation {k['peak_fragmentation']}")
print('; '.join(errs) or 'ok')
EOF
)
[ "$out" = ok ] && ok "percentiles, lifetimes, peak live and fragmentation are measurements" || bad "report figures" "$out"
if grep -qE '[0-9] (Ki|Mi|Gi)( |$)' "$work/p.txt"; then
  bad "one unit style" "$(grep -E '[0-9] (Ki|Mi|Gi)( |$)' "$work/p.txt" | head -2)"
else
  ok "one unit style (KiB, MiB)"
fi
grep -q '^fragmentation       at peak [0-9.]* (peak RSS / peak live [0-9.]* MiB), now ' "$work/p.txt" &&
  ok "fragmentation at the peak in the text report" || bad "fragmentation line" "$(grep fragmentation "$work/p.txt")"
if grep -q '(tuned)' "$work/p.txt" && ! grep -q '"epochs": [1-9]' "$work/p.json"; then
  bad "(tuned) without epochs" "$(grep '(tuned)' "$work/p.txt")"
else
  ok "(tuned) only after tuner epochs"
fi

# Error texts, not errno numbers. (Messages go to stderr as it is when they are written: a
# program that closed it, as sort does, does not get them; python keeps it open.)
err=$(HAKMEM_REPORT=/nonexistent/dir/r.txt LD_PRELOAD="$HAKMEM_SO" /usr/bin/python3 -c pass 2>&1 >/dev/null)
echo "$err" | grep -q "cannot write the report to /nonexistent/dir/r.txt (No such file or directory)" &&
  ok "errors name their cause" || bad "error text" "$err"

# A damaged profile: the message says where it went; no PATH.lock is left behind.
printf 'not a profile\n' >"$work/prof"
err=$(HAKMEM_PROFILE="$work/prof" LD_PRELOAD="$HAKMEM_SO" /usr/bin/python3 "$work/big.py" 2>&1 >/dev/null)
aside=$(ls "$work"/prof.corrupt.* 2>/dev/null)
if [ -n "$aside" ] && echo "$err" | grep -q "is damaged: ignored, and moved to $aside" &&
  echo "$err" | grep -q "the damaged profile $work/prof was moved to $aside" &&
  head -1 "$work/prof" | grep -q '^hakmem-profile'; then
  ok "a damaged profile is moved aside, and said where"
else
  bad "damaged profile" "$err | $(ls "$work")"
fi
[ ! -e "$work/prof.lock" ] && ok "no .lock file left" || bad "lock file" "$(ls "$work")"
# Saves of many processes at once still merge (the lock is removed only by its holder).
rm -f "$work/prof"*
for i in 1 2 3 4 5 6; do HAKMEM_PROFILE="$work/prof.%e" LD_PRELOAD="$HAKMEM_SO" sort -n "$work/nums.txt" >/dev/null & done
wait
[ -s "$work/prof.sort" ] && head -1 "$work/prof.sort" | grep -q '^hakmem-profile' && [ ! -e "$work/prof.sort.lock" ] &&
  ! ls "$work" | grep -q 'tmp\.' && ok "concurrent saves, %e in HAKMEM_PROFILE" || bad "concurrent saves" "$(ls "$work")"

# HAKMEM_SAMPLE=all: every allocation's site counted exactly (the 48 B site had sixteen
# times the calls of the other and was missing from the sampled report).
two="$BUILDDIR/tests/progs/two_sites"
for depth in 0 2; do
  HAKMEM_SAMPLE=all HAKMEM_SITE_DEPTH=$depth HAKMEM_REPORT="$work/all.json" LD_PRELOAD="$HAKMEM_SO" "$two" >/dev/null
  out=$("$PYTHON" - "$work/all.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = {(s['allocs'], s['frees'], s['estimated'], s['bytes']) for s in r['sites']}
want = {(12345, 6173, False, 12345 * 48), (777, 777, False, 777 * 200000)}
print('ok' if want <= rows else f'missing {want - rows} in {sorted(rows)[:12]}')
PY
)
  [ "$out" = ok ] && ok "HAKMEM_SAMPLE=all counts every call (depth $depth)" || bad "HAKMEM_SAMPLE=all, depth $depth" "$out"
done
HAKMEM_REPORT="$work/sampled.json" LD_PRELOAD="$HAKMEM_SO" "$two" >/dev/null
"$PYTHON" -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if all(s['allocs'] != 12345 or s['estimated'] for s in r['sites']) else 1)" "$work/sampled.json" &&
  ok "without it, small plain blocks are estimated" || bad "default sampling" "$(head -c 300 "$work/sampled.json")"
for v in 0 512 abc 2G " 1M"; do
  err=$(HAKMEM_SAMPLE="$v" LD_PRELOAD="$HAKMEM_SO" "$two" 2>&1 >/dev/null)
  echo "$err" | grep -q "HAKMEM_SAMPLE=$v is not all or a byte count from 1K to 1G; using 512K" &&
    ok "HAKMEM_SAMPLE='$v' is named" || bad "HAKMEM_SAMPLE='$v'" "$err"
done
err=$(HAKMEM_SAMPLE=64K HAKMEM_REPORT="$work/s64.json" LD_PRELOAD="$HAKMEM_SO" "$two" 2>&1 >/dev/null)
[ -z "$err" ] && "$PYTHON" -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if any(s['samples'] > 20 for s in r['sites']) else 1)" "$work/s64.json" &&
  ok "HAKMEM_SAMPLE=64K samples more often" || bad "HAKMEM_SAMPLE=64K" "$err"
exit 0
