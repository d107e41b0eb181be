#!/usr/bin/env bash
# Profiling settings that need a process of their own: HAKMEM_SITE_DEPTH, HAKMEM_MODE=off,
# and the report (text and JSON, at exit and on demand).
set -u
prog="$BUILDDIR/tests/progs/sites_hak"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
ok() { echo "TEST-RESULT: pass $1"; }
bad() { echo "TEST-RESULT: fail $1"; shift; echo "  $*"; }

# Baseline at a 1 MiB threshold, so the 2 MiB blocks are large blocks (counted exactly).
out=$(HAKMEM_MODE=baseline HAKMEM_THRESHOLD=1M "$prog" wrapper)
[ "$out" = "sites of 10: 0, of 20: 0, of 30: 1" ] && ok "depth 0: one site for the wrapper" || bad "depth 0" "$out"
out=$(HAKMEM_MODE=baseline HAKMEM_THRESHOLD=1M HAKMEM_SITE_DEPTH=3 "$prog" wrapper)
[ "$out" = "sites of 10: 1, of 20: 1, of 30: 0" ] && ok "depth 3: the two callers are told apart" || bad "depth 3" "$out"

# A bad threshold is named, whatever is wrong with it; the default is used.
for v in abc -1 99999999999999999999 " 1M" 3M 16M; do
  err=$(HAKMEM_THRESHOLD="$v" "$prog" off 2>&1 >/dev/null)
  case "$err" in *"HAKMEM_THRESHOLD=$v is not one of 64K 128K 256K 512K 1M 2M 4M 8M; using 8M"*)
    ok "HAKMEM_THRESHOLD='$v' is named" ;; *) bad "HAKMEM_THRESHOLD='$v'" "$err" ;; esac
done
err=$(HAKMEM_THRESHOLD=4M "$prog" off 2>&1 >/dev/null)
[ -z "$err" ] && ok "HAKMEM_THRESHOLD=4M is taken" || bad "HAKMEM_THRESHOLD=4M" "$err"

out=$(HAKMEM_MODE=off "$prog" off)
[ "$out" = "mode off, recorded 0, latency samples 0, live counted" ] && ok "off records nothing" || bad "off" "$out"
out=$("$prog" off)
case "$out" in "mode evolving, recorded 0"*) bad "evolving records" "$out" ;; "mode evolving, recorded "*) ok "evolving records" ;; *) bad "evolving" "$out" ;; esac
out=$(HAKMEM_MODE=baseline "$prog" off)
case "$out" in "mode baseline, recorded 0"*) bad "baseline records" "$out" ;; "mode baseline, recorded "*) ok "baseline records" ;; *) bad "baseline" "$out" ;; esac

# On demand, JSON, then validated against docs/REPORT.md's schema.
"$prog" report "$work/r.json" && ok "report written" || bad "report written" "exit $?"
"$PYTHON" "$ROOT/tests/sh/lib/check_report.py" "$work/r.json" && ok "report JSON is valid" || bad "report JSON" "see above"
# At exit, through HAKMEM_REPORT, text.
HAKMEM_REPORT="$work/r.txt" "$prog" report "$work/r2.json" >/dev/null
grep -q '^site ' "$work/r.txt" && grep -q 'report.json.string' "$work/r.txt" && ok "report at exit (text)" || bad "report at exit" "$(head -5 "$work/r.txt" 2>&1)"
# A report to something that is not a regular file (here a FIFO; /dev/null alike) is
# written into it, not renamed over it.
mkfifo "$work/fifo"
timeout 10 cat "$work/fifo" >"$work/from_fifo" &  # no hang if nobody writes it
reader=$!
HAKMEM_REPORT="$work/fifo" "$prog" off >/dev/null
wait $reader
[ -p "$work/fifo" ] && grep -q '^hakmem report' "$work/from_fifo" && ok "report into a FIFO" ||
  bad "report into a FIFO" "$(ls -l "$work/fifo") $(head -2 "$work/from_fifo")"
# Nothing half-written: a report to an unwritable place fails cleanly and leaves no file.
err=$("$prog" report /nonexistent/dir/r.json 2>&1); rc=$?
[ $rc = 1 ] && echo "$err" | grep -q "cannot write the report to /nonexistent/dir/r.json" && ok "unwritable report path" || bad "unwritable report path" "rc=$rc $err"
# A bad setting is reported once and the default used.
err=$(HAKMEM_MODE=fast HAKMEM_SITE_DEPTH=99 "$prog" off 2>&1 >/dev/null)
echo "$err" | grep -q "HAKMEM_MODE=fast is not off, baseline or evolving; using evolving" &&
  echo "$err" | grep -q "HAKMEM_SITE_DEPTH=99 is not a depth from 0 to 8; using 0" && ok "bad settings named" || bad "bad settings" "$err"
exit 0
