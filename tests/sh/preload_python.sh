#!/usr/bin/env bash
# CPython with PYTHONMALLOC=malloc (every allocation through malloc) under libhakmem.so.
set -eu
source "$(dirname "$0")/lib/preload.bash"
PY=/usr/bin/python3
[ -x $PY ] || { echo "skip: $PY missing"; exit 77; }
code='
import json, sys
maps = open("/proc/self/maps").read()
print("preloaded" if "libhakmem" in maps else "not preloaded", file=sys.stderr)
d = [{"k": str(i) * 3, "v": list(range(i % 50)), "f": i / 7} for i in range(60000)]
s = json.dumps(d)
back = json.loads(s)
words = {}
for i in range(200000):
    w = "w%d" % (i % 5000)
    words[w] = words.get(w, 0) + 1
b = bytearray()
for i in range(3000):
    b += bytes(i % 256 for _ in range(i % 300))
print(len(s), back == d, len(words), sum(words.values()), len(b))'
want=$(PYTHONMALLOC=malloc $PY -c "$code" 2>/dev/null)
got=$(LD_PRELOAD="$HAKMEM_SO" PYTHONMALLOC=malloc $PY -c "$code" 2>/tmp/preload_py.$$)
grep -q '^preloaded' /tmp/preload_py.$$ || { echo "preload did not take"; cat /tmp/preload_py.$$; rm -f /tmp/preload_py.$$; exit 1; }
rm -f /tmp/preload_py.$$
[ "$want" = "$got" ] || { echo "output differs: want '$want' got '$got'"; exit 1; }
echo "ok: $got"
