#!/usr/bin/env bash
# redis-server (Debian's is linked with jemalloc: the preload must win over it, including
# malloc_usable_size) under libhakmem.so on 127.0.0.1: redis-benchmark writes and reads,
# then every key written through the pipe is read back and checked.
set -eu
source "$(dirname "$0")/lib/preload.bash"
for p in redis-server redis-cli redis-benchmark; do
  command -v $p >/dev/null || { echo "skip: $p missing (apt-get install redis-server redis-tools)"; exit 77; }
done
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
LD_PRELOAD="$HAKMEM_SO" redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$work" --daemonize no --logfile "$work/log" &
pid=$!
for i in $(seq 100); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p $port ping | grep -q PONG || { echo "redis did not start"; cat "$work/log"; exit 1; }
assert_mapped $pid
redis-benchmark -p $port -q -t set,get,lpush,lpop,incr -n 50000 -r 20000 -d 200 -c 8 > "$work/bench"
# Known keys, values of many sizes (up to 2 MB: large blocks too), written through a pipe.
python3 - "$work/cmds" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        v = ("v%d-" % i) * (1 + (i * 7919) % (200 if i % 100 else 60000))
        f.write("*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\n%s\r\n" % (len("key:%d" % i), i, len(v), v))
PY
redis-cli -p $port --pipe < "$work/cmds" > "$work/pipe"
grep -q "errors: 0, replies: 20000" "$work/pipe" || { cat "$work/pipe"; exit 1; }
# Read every key back and compare.
python3 - $port <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
bad = 0
for start in range(0, 20000, 500):
    s.sendall(b"".join(b"GET key:%d\r\n" % i for i in range(start, start + 500)))
    for i in range(start, start + 500):
        line = f.readline()
        n = int(line[1:])
        v = f.read(n + 2)[:-2].decode()
        want = ("v%d-" % i) * (1 + (i * 7919) % (200 if i % 100 else 60000))
        bad += v != want
s.sendall(b"DBSIZE\r\n")
dbsize = int(f.readline()[1:])
print("mismatches", bad, "dbsize", dbsize)
sys.exit(1 if bad or dbsize < 20000 else 0)
PY
redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
wait $pid 2>/dev/null || true
pid=
echo "ok: $(tr '\r' '\n' < "$work/bench" | grep -c 'requests per second') benchmark tests"
