#!/usr/bin/env bash
# HAKMEM_PROFILE: a round trip, concurrent saves merged, and damaged files set aside; and
# hakmem-tune on top of it.
set -u
prog="$BUILDDIR/tests/progs/sites_hak"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
ok() { echo "TEST-RESULT: pass $1"; }
bad() { echo "TEST-RESULT: fail $1"; shift; echo "  $*"; }
tuner() {  # report.json -> "epochs loaded_epochs from_profile" of the tuned site
  "$PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = [s["tuner"] for s in r["sites"] if "tuner" in s and s["tuner"]["epochs"] > 0]
print(t[0]["epochs"], t[0]["loaded_epochs"], str(t[0]["from_profile"]).lower() if t else "none")' "$1"
}
P="$work/profile"

# Round trip: the second run starts where the first stopped.
HAKMEM_PROFILE=$P HAKMEM_REPORT=$work/r1.json "$prog" tune 400
HAKMEM_PROFILE=$P HAKMEM_REPORT=$work/r2.json "$prog" tune 400
read -r e1 l1 f1 <<<"$(tuner $work/r1.json)"
read -r e2 l2 f2 <<<"$(tuner $work/r2.json)"
if [ "$(head -1 "$P")" = "hakmem-profile 2" ] && grep -q '^site [0-9]*:' "$P" && grep -q '^arm ' "$P" &&
   [ "$f1" = false ] && [ "$f2" = true ] && [ "$l2" = "$e1" ] && [ "$e2" -gt "$e1" ]; then
  ok "profile round trip"
else
  bad "profile round trip" "run1 $e1 $l1 $f1, run2 $e2 $l2 $f2; $(head -3 "$P")"
fi

# Concurrent saves: four processes at once; every run's own epochs end up in the file.
Q="$work/shared"
for i in 1 2 3 4; do HAKMEM_PROFILE=$Q HAKMEM_REPORT=$work/c$i.json "$prog" tune 600 & done
wait
want=0
for i in 1 2 3 4; do read -r e l f <<<"$(tuner $work/c$i.json)"; want=$((want + e - l)); done
got=$(awk '/^site / {s += $4} END {print s}' "$Q")
[ "$got" = "$want" ] && ok "concurrent saves merge ($got epochs)" || bad "concurrent saves" "file has $got epochs, runs made $want"

# A damaged, truncated or unknown-version file: reported once, set aside, a fresh one saved;
# a complete profile of the older version 1 (six threshold steps) likewise, said as such.
i=0
for content in "garbage\n" "hakmem-profile 3\nsite 3:abc 4 1 1\n" \
               "hakmem-profile 2\nsite 3:abc 4 1 1\narm 4 1 0.5" \
               "hakmem-profile 1\nsite 3:abc 4 1 1\narm 4 1 0.5\n"; do
  i=$((i + 1)); D="$work/damaged$i"; printf "$content" > "$D"
  err=$(HAKMEM_PROFILE=$D "$prog" tune 100 2>&1)
  if [ $i = 4 ]; then
    n=$(echo "$err" | grep -c "is a profile of an older hakmem (version 1: other policies): ignored")
  else
    n=$(echo "$err" | grep -c "is not a hakmem profile (version 2) or is damaged: ignored")
  fi
  if [ "$n" = 1 ] && ls "$D".corrupt.* >/dev/null 2>&1 && [ "$(head -1 "$D")" = "hakmem-profile 2" ]; then
    ok "damaged profile $i set aside"
  else
    bad "damaged profile $i" "messages=$n; $err"
  fi
done

# A profile path that is not a regular file (a directory; /dev/null alike) is neither
# replaced nor moved aside: one message, and the program runs without a profile.
mkdir "$work/pdir"
err=$(HAKMEM_PROFILE="$work/pdir" "$prog" tune 50 2>&1 >/dev/null)
[ -d "$work/pdir" ] && [ -z "$(ls "$work/pdir")" ] && ! ls "$work"/pdir.* >/dev/null 2>&1 &&
  echo "$err" | grep -q "HAKMEM_PROFILE=$work/pdir is not a regular file: no profile is used" &&
  ok "profile path not a regular file" || bad "profile path not a regular file" "$err; $(ls "$work")"

# hakmem-tune drives a program through runs and shows the policy it settles on.
case "$MODE" in asan|tsan) echo "TEST-RESULT: skip hakmem-tune (needs the preload)";;
*) out=$("$PYTHON" "$ROOT/misc/hakmem-tune" -n 3 --preload "$BUILDDIR/libhakmem.so" -- \
          "$BUILDDIR/bench/alloc_bench" vm2m --ops 300 2>&1)
   # Three rows, each with the policy of the busy sites, whose epochs carry over from run
   # to run through the profile (which policy wins is the tuner's business, and timing).
   rows=$(echo "$out" | grep -E '^ +[0-9]+ +[0-9.]+s .*alloc_bench\+0x[0-9a-f]+: [0-9]+[KM] .*epochs')
   epochs() { echo "$rows" | sed -n "$1p" | grep -oE '[0-9]+ epochs' | awk '{s += $1} END {print s + 0}'; }
   [ "$(echo "$rows" | grep -c .)" = 3 ] && [ "$(epochs 3)" -gt "$(epochs 1)" ] &&
     ok "hakmem-tune" || bad "hakmem-tune" "$out"
   # A program with one huge allocation: no epoch, and the row says why (the site and its
   # count), not that nothing was allocated above 64 KiB; no temporary folder is left.
   before=$(ls -d "${TMPDIR:-/tmp}"/hakmem-tune.* 2>/dev/null | wc -l)
   out=$("$PYTHON" "$ROOT/misc/hakmem-tune" -n 2 --preload "$BUILDDIR/libhakmem.so" -- \
          /usr/bin/python3 -c 'b = bytearray(300 << 20); b[-1] = 1' 2>&1)
   after=$(ls -d "${TMPDIR:-/tmp}"/hakmem-tune.* 2>/dev/null | wc -l)
   echo "$out" | grep -q 'no site has finished a tuner epoch yet: an epoch is 32 large allocations of a site; allocations above 64 KiB: .* 1' &&
     [ "$before" = "$after" ] && ok "hakmem-tune: why nothing is tuned, nothing left behind" ||
     bad "hakmem-tune untuned" "$out (folders before $before, after $after)";;
esac
exit 0
