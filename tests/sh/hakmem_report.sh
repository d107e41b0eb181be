#!/usr/bin/env bash
# misc/hakmem-report on the report of a real program (g++ compiling a file, every
# allocation counted, stacks of 4 frames): text, folded stacks, diff, and the HTML page,
# rendered by headless Chromium when it is installed (its screenshot is kept in
# $BUILDDIR/artifacts/hakmem-report.png).
set -u
source "$(dirname "$0")/lib/preload.bash"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
ok() { echo "TEST-RESULT: pass $1"; }
bad() { echo "TEST-RESULT: fail $1"; shift; echo "  $*"; }
tool="$ROOT/misc/hakmem-report"
cp "$ROOT/tests/progs/two_sites.cc" "$work/a.cc"

for run in 1 2; do
  HAKMEM_SAMPLE=all HAKMEM_SITE_DEPTH=4 HAKMEM_REPORT="$work/run$run.%e.json" LD_PRELOAD="$HAKMEM_SO" \
    g++ -O1 -c "$work/a.cc" -o "$work/a.o" || { bad "g++ under hakmem" "exit $?"; exit 0; }
done
r1=$(ls "$work"/run1.cc1plus.json 2>/dev/null); r2=$(ls "$work"/run2.cc1plus.json 2>/dev/null)
[ -s "$r1" ] && [ -s "$r2" ] && ok "a report per process of g++ (cc1plus's among them)" ||
  { bad "reports" "$(ls "$work")"; exit 0; }

out=$("$PYTHON" "$tool" text "$r1" --top 5)
echo "$out" | head -1 | grep -q "^hakmem report: pid [0-9]*: .*cc1plus" &&
  [ "$(echo "$out" | grep -c '^[^ ].* [0-9]* *[0-9]* ')" -ge 5 ] && ok "text" || bad "text" "$out"

# Folded stacks: one line per stack, frames outermost first, the values adding up to the
# report's bytes.
"$PYTHON" "$tool" folded "$r1" >"$work/folded"
check=$("$PYTHON" - "$r1" "$work/folded" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
bad = [l for l in lines if not re.fullmatch(r'[^ ;][^;]*(;[^;]+)* [0-9]+', l)]
total = sum(int(l.rsplit(' ', 1)[1]) for l in lines)
want = sum(max(s['bytes'], 0) for s in r['sites'])
deep = sum(1 for l in lines if l.count(';') >= 3)
print('ok' if lines and not bad and total == want and deep > 0 else
      f'{len(lines)} lines, {len(bad)} malformed ({bad[:2]}), total {total} of {want}, {deep} of 4 frames')
PY
)
[ "$check" = ok ] && ok "folded stacks add up to the bytes allocated" || bad "folded" "$check"
"$PYTHON" "$tool" folded "$r1" --metric leaked >/dev/null && ok "folded --metric leaked" || bad "folded leaked" "$?"

out=$("$PYTHON" "$tool" diff "$r1" "$r2" --top 5)
echo "$out" | grep -q '^peak RSS ' && echo "$out" | grep -q 'sites: [0-9]* new in B, [0-9]* gone from B' &&
  ok "diff of two runs" || bad "diff" "$out"
echo '{"not": "a report"}' >"$work/bad.json"
err=$("$PYTHON" "$tool" text "$work/bad.json" 2>&1); rc=$?
[ $rc = 1 ] && [ "$err" = "hakmem-report: $work/bad.json: not a hakmem report (version 1)" ] &&
  ok "a file that is not a report is named" || bad "bad report" "rc=$rc $err"
err=$("$PYTHON" "$tool" text "$work/none.json" 2>&1); rc=$?
[ $rc = 1 ] && echo "$err" | grep -q "none.json: No such file or directory" && ok "a missing file is named" ||
  bad "missing report" "rc=$rc $err"

# The HTML page: self-contained, and every chart has data.
"$PYTHON" "$tool" html "$r1" -o "$work/report.html" >/dev/null
check=$("$PYTHON" - "$work/report.html" <<'PY'
import re, sys
page = open(sys.argv[1]).read()
charts = re.findall(r'<svg class="chart" data-kind="([a-z]+)" data-points="([0-9]+)"', page)
kinds = {k for k, _ in charts}
empty = [k for k, n in charts if n == '0']
ext = re.findall(r'(?:src|href)="(?:https?:)?//', page)
want = {'bars', 'lines', 'histogram', 'flame'}
print('ok' if want <= kinds and not empty and not ext and len(charts) >= 10 else
      f'kinds {sorted(kinds)}, {len(charts)} charts, empty: {empty}, external: {ext}')
PY
)
[ "$check" = ok ] && ok "HTML: every chart has data, nothing external" || bad "HTML charts" "$check"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "TEST-RESULT: skip HTML in Chromium (not installed: ./configure.py --install-deps)"
  exit 0
fi
mkdir -p "$BUILDDIR/artifacts"
shot="$BUILDDIR/artifacts/hakmem-report.png"
rm -f "$shot"
timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
  --no-first-run --user-data-dir="$work/profile" --window-size=1280,5000 \
  --screenshot="$shot" "file://$work/report.html" >"$work/chromium.log" 2>&1
check=$("$PYTHON" - "$shot" <<'PY'
import struct, sys, zlib
try:
    data = open(sys.argv[1], 'rb').read()
except OSError as e:
    print(f'no screenshot: {e}'); sys.exit()
if data[:8] != b'\x89PNG\r\n\x1a\n':
    print('not a PNG'); sys.exit()
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IHDR':
        w, h = struct.unpack('>II', data[pos + 8:pos + 16])
    if kind == b'IDAT':
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
distinct = len(set(raw[i] for i in range(0, len(raw), 97)))
print('ok' if w >= 1000 and distinct > 8 else f'{w} px wide, {distinct} distinct byte values')
PY
)
[ "$check" = ok ] && ok "HTML rendered by headless Chromium ($shot)" ||
  bad "Chromium" "$check; $(tail -3 "$work/chromium.log")"
exit 0
