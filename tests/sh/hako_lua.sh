#!/usr/bin/env bash
# `hako lua FILE [ARGS]`: Lua 5.4 programs with known output, errors as lua5.4 reports them
# (exit 1, message and traceback), usage (exit 2), the memory limit, --report, require.
set -u
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "skip: no $hako"; exit 77; }
"$hako" lua --help >/dev/null 2>&1 || { echo "skip: hako was built without Lua 5.4"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

pass() { echo "TEST-RESULT: pass $1"; }
fail() { echo "TEST-RESULT: fail $1 ($2)"; }

# check NAME WANT_STATUS WANT_STDOUT WANT_STDERR_SUBSTRING -- ARGS... (stdin from $STDIN)
check() {
  local name=$1 want=$2 want_out=$3 want_err=$4
  shift 5
  "$hako" "$@" >out 2>err <"${STDIN:-/dev/null}"
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "$name" "exit $got, want $want; stderr: $(head -c 300 err)"
  elif [ "$want_out" != "*" ] && [ "$(cat out)" != "$want_out" ]; then
    fail "$name" "stdout '$(head -c 300 out)', want '$want_out'"
  elif [ -n "$want_err" ] && ! grep -qF -- "$want_err" err; then
    fail "$name" "stderr lacks '$want_err': $(head -c 300 err)"
  elif [ -z "$want_err" ] && [ -s err ]; then
    fail "$name" "unexpected stderr: $(head -c 300 err)"
  else
    pass "$name"
  fi
}

cat >args.lua <<'EOF'
print(arg[-1], arg[0], arg[1], arg[2], #arg, select('#', ...), ...)
EOF
check args 0 "$(printf 'lua\targs.lua\tx\ty z\t2\t2\tx\ty z')" "" -- lua args.lua x "y z"
check args-with-options 0 "$(printf '64M\targs.lua\tnil\tnil\t0\t0')" "" -- lua --limit 64M args.lua

cat >libs.lua <<'EOF'
local names = {}
for _, n in ipairs{"string", "table", "math", "io", "os", "coroutine", "utf8", "debug",
                   "package"} do names[#names + 1] = n .. "=" .. type(_G[n]) end
print(table.concat(names, " "))
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
print(co(1), co(20), ("%5.2f"):format(math.pi), utf8.char(233), #tostring(os.time()) > 0)
EOF
check standard-libraries 0 "$(printf 'string=table table=table math=table io=table os=table coroutine=table utf8=table debug=table package=table\n2\t40\t 3.14\t\xc3\xa9\ttrue')" "" -- lua libs.lua

STDIN=args.lua check stdin 0 "$(printf 'lua\t-\ta\tnil\t1\t1\ta')" "" -- lua - a

printf 'local function f() error("boom") end\nf()\n' >err.lua
check runtime-error 1 "" "hako: err.lua:1: boom" -- lua err.lua
if grep -q "stack traceback:" err && grep -qF "err.lua:2: in main chunk" err; then
  pass runtime-error-traceback
else
  fail runtime-error-traceback "$(cat err)"
fi
# The same message and traceback as lua5.4's (but for the program's name).
if command -v lua5.4 >/dev/null; then
  lua5.4 err.lua 2>lua_err
  if [ "$(sed 's/^lua5.4: /hako: /' lua_err)" = "$(cat err)" ]; then
    pass runtime-error-as-lua5.4
  else
    fail runtime-error-as-lua5.4 "lua5.4 says '$(cat lua_err)'"
  fi
fi
printf 'error(setmetatable({}, {__tostring = function() return "custom" end}))\n' >obj.lua
check error-object-tostring 1 "" "hako: custom" -- lua obj.lua
printf 'error({})\n' >tbl.lua
check error-object-table 1 "" "hako: (error object is a table value)" -- lua tbl.lua
printf 'x = = 1\n' >syntax.lua
check syntax-error 1 "" "hako: syntax.lua:1: unexpected symbol near '='" -- lua syntax.lua
printf 'io.write("bye\\n") os.exit(3)\n' >exit.lua
check os-exit 3 "bye" "" -- lua exit.lua

check missing-file 2 "" "hako: cannot open nosuch.lua" -- lua nosuch.lua
check no-file 2 "" "usage: hako lua" -- lua
check bad-option 2 "" "bad option '--nope'" -- lua --nope args.lua
check bad-limit 2 "" "--limit wants a size" -- lua --limit 12Q args.lua
check help 0 "*" "" -- lua --help
grep -q "usage: hako lua" out && pass help-on-stdout || fail help-on-stdout "$(head -c 200 out)"

# The memory limit: an error Lua raises (and a script may catch), never an abort.
cat >grow.lua <<'EOF'
local function grow() local t = {} for i = 1, 1e7 do t[i] = ("x"):rep(64) .. i end end
if arg[1] == "catch" then
  local ok, err = pcall(grow)
  collectgarbage()
  print(ok, err, #("y"):rep(1000))
else
  grow()
end
EOF
check limit-error 1 "" "hako: not enough memory" -- lua --limit 4M grow.lua
check limit-caught 0 "$(printf 'false\tnot enough memory\t1000')" "" -- lua --limit 4M grow.lua catch
check limit-large-enough 0 "$(printf '1M\targs.lua\tnil\tnil\t0\t0')" "" -- lua --limit 1M args.lua
check limit-too-small-for-the-libraries 1 "" "not enough memory" -- lua --limit 4K args.lua

# --report: hakmem's report at exit, with Lua's sites, and Lua's own count.
check report-text 0 "*" "hakmem report" -- lua --report args.lua
for site in lua.string lua.table lua.function lua.userdata lua.thread lua.other; do
  grep -q "^$site " err || { fail "report-site-$site" "not in the report"; continue; }
  pass "report-site-$site"
done
grep -q "hako lua: Lua's memory: peak [1-9][0-9]* bytes, 0 at exit" err &&
  pass report-lua-memory || fail report-lua-memory "$(grep "Lua's memory" err)"
check report-json 0 "*" "Lua's memory" -- lua --report=r.json args.lua
# Written after the state is closed: Lua's six sites, exact, with every block freed.
"$PYTHON" - r.json >check.out 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r['hakmem_report'] == 1 and r['config']['backend'] == 'hakmem', r['config']
sites = {s['name']: s for s in r['sites'] if s['name'].startswith('lua.')}
assert sorted(sites) == sorted('lua.' + n for n in
    ['string', 'table', 'function', 'userdata', 'thread', 'other']), sorted(sites)
for s in sites.values():
    assert s['kind'] == 'tag' and not s['estimated'], s['name']
    assert s['allocs'] == s['frees'] > 0 and s['live_bytes'] == 0, (
        s['name'], s['allocs'], s['frees'], s['live_bytes'])
EOF
[ $? = 0 ] && pass report-json-lua-sites || fail report-json-lua-sites "$(tail -3 check.out)"
rm -f r.json
check report-on-os-exit 3 "bye" "" -- lua --report=r.json exit.lua  # os.exit skips our return
[ -s r.json ] && pass report-on-os-exit-written || fail report-on-os-exit-written "no r.json"

# --no-tags: the same program, none of Lua's sites in the report.
check no-tags 0 "$(printf -- '--report\targs.lua\tnil\tnil\t0\t0')" "hakmem report" -- lua --no-tags --report args.lua
grep -q "^lua\." err && fail no-tags-no-sites "$(grep "^lua\." err | head -3)" || pass no-tags-no-sites

# The system backend: the process's malloc serves Lua (tags ignored; count and limit hold).
HAKMEM_BACKEND=system "$hako" lua --report=sys.json --limit 4M grow.lua catch >out 2>err
if [ $? = 0 ] && [ "$(cat out)" = "$(printf 'false\tnot enough memory\t1000')" ] &&
  grep -q '"backend": *"system"' sys.json; then
  pass system-backend
else
  fail system-backend "$(head -c 300 out) $(head -c 300 err)"
fi

# require finds Debian's lua-cjson through the default cpath.
if lua5.4 -e 'require "cjson"' 2>/dev/null; then
  printf 'local cjson = require("cjson")\nprint(cjson.encode({1, "a", {b = true}}), cjson.decode("[4,5]")[2])\n' >cj.lua
  check require-cjson 0 "$(lua5.4 cj.lua)" "" -- lua cj.lua
else
  echo "TEST-RESULT: skip require-cjson (lua-cjson for Lua 5.4 is not installed)"
fi
