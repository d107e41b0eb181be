#!/usr/bin/env bash
# lua5.4 under LD_PRELOAD=libhakmem.so: same output as without it.
set -eu
source "$(dirname "$0")/lib/preload.bash"
command -v lua5.4 >/dev/null || { echo "skip: lua5.4 missing"; exit 77; }
script='
local f = io.open("/proc/self/maps"); local maps = f:read("a"); f:close()
io.stderr:write(maps:find("libhakmem") and "preloaded\n" or "not preloaded\n")
local t = {}
for i = 1, 300000 do t[i] = {i, tostring(i), string.rep("x", i % 40)} end
local s = 0
for i = 1, #t, 3 do s = s + #t[i][2] + #t[i][3]; t[i] = nil end
collectgarbage()
local parts = {}
for i = 1, 20000 do parts[#parts + 1] = string.format("%d:%s", i, ("y"):rep(i % 17)) end
local big = table.concat(parts, ",")
print(s, #big, collectgarbage("count") > 0)'
want=$(lua5.4 -e "$script" 2>/dev/null)
got=$(LD_PRELOAD="$HAKMEM_SO" lua5.4 -e "$script" 2>/tmp/preload_lua.$$)
grep -q '^preloaded' /tmp/preload_lua.$$ || { echo "preload did not take"; cat /tmp/preload_lua.$$; rm -f /tmp/preload_lua.$$; exit 1; }
rm -f /tmp/preload_lua.$$
[ "$want" = "$got" ] || { echo "output differs: want '$want' got '$got'"; exit 1; }
echo "ok: $got"
