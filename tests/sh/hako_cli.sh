#!/usr/bin/env bash
# The `hako` command line: `hako run FILE [args]` and `hako FILE`, the global `args`,
# exit statuses (0 ok, 1 runtime error, 2 usage or I/O error, 3 compile error), output
# on stdout and errors on stderr, --report, and the REPL (a prompt-less session on a pipe:
# values of expressions printed, multi-line input while a block is open, errors reported
# without ending the session).
set -u
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# check NAME WANT-STATUS WANT-STDOUT WANT-STDERR-SUBSTRING -- ARGS... (stdin from $STDIN)
check() {
  local name=$1 want=$2 want_out=$3 want_err=$4
  shift 5
  "$hako" "$@" >out 2>err <"${STDIN:-/dev/null}"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "TEST-RESULT: fail $name (exit $got, want $want; stderr: $(head -c 300 err))"
  elif [ "$(cat out)" != "$want_out" ]; then
    echo "TEST-RESULT: fail $name (stdout: $(head -c 300 out); want: $want_out)"
  elif [ -n "$want_err" ] && ! grep -qF -- "$want_err" err; then
    echo "TEST-RESULT: fail $name (stderr lacks '$want_err': $(head -c 300 err))"
  elif [ -z "$want_err" ] && [ -s err ]; then
    echo "TEST-RESULT: fail $name (unexpected stderr: $(head -c 300 err))"
  else
    echo "TEST-RESULT: pass $name"
  fi
}

printf 'print(len(args), args);\n' >args.hako
check "run with args" 0 '2	["a", "b c"]' "" -- run args.hako a "b c"
check "short form" 0 '1	["-x"]' "" -- args.hako -x
check "no args" 0 '0	[]' "" -- run args.hako
check "options before the file" 0 '0	[]' "" -- -O0 --gc-stress args.hako
check "run options" 0 '1	["-O0"]' "" -- run -O1 args.hako -O0

printf 'print("out");\nlet x = 1 // 0;\n' >fail.hako
check "runtime error" 1 "out" "runtime error: integer division by zero" -- run fail.hako
check "traceback" 1 "out" "  fail.hako:2 in function main" -- fail.hako
printf 'print("x")\n' >syntax.hako
check "compile error" 3 "" "syntax.hako:2:1: expected ';' after the statement, got end of input" -- run syntax.hako
check "missing file" 2 "" "hako: cannot open nope.hako: No such file or directory" -- run nope.hako
check "unknown option" 2 "" "hako: unknown option '--frob'" -- run --frob args.hako
check "bad number" 2 "" "unknown option '--budget=x'" -- --budget=x args.hako
check "run without a file" 2 "" "usage: hako run" -- run
printf 'while (true) {}\n' >loop.hako
check "budget" 1 "" "runtime error: instruction budget exhausted" -- --budget=1000 loop.hako
check "switch dispatch" 0 '0	[]' "" -- --switch-dispatch args.hako
check "report" 0 '0	[]' "hakmem report" -- --report args.hako
check "report sites" 0 '0	[]' "vm.string" -- --report args.hako
printf 'return 5;\n' >ret.hako
check "top-level return" 0 "" "" -- ret.hako

# The output of a big program arrives whole, and before the error that ends it.
printf 'for (i in range(0, 100000)) { print(i); }\nerror("end");\n' >big.hako
"$hako" big.hako >out 2>err
status=$?
[ $status = 1 ] && [ "$(wc -l <out)" = 100000 ] && [ "$(tail -1 out)" = 99999 ] &&
  grep -q "runtime error: end" err && echo "TEST-RESULT: pass buffered output" ||
  echo "TEST-RESULT: fail buffered output (status $status, $(wc -l <out) lines)"

# The REPL.
cat >session.txt <<'EOF'
let x = 40;
x + 2
"text"
[1, {a: nil}]
nil
fn twice(v) {
  return v * 2;
}
twice(x)
let m = {
  k: 1,
};
m.k
print("printed");
1 // 0
x = undefined_name;
error({code: 1});
x
/* an open
comment */ x + 1
EOF
STDIN=session.txt check "repl" 0 '42
"text"
[1, {"a": nil}]
80
1
printed
40
41' "runtime error: integer division by zero" --
grep -q "stdin:1:5: undeclared variable 'undefined_name'" err && grep -q 'runtime error: {"code": 1}' err &&
  echo "TEST-RESULT: pass repl errors" || echo "TEST-RESULT: fail repl errors ($(cat err))"
printf 'fn f() {\n' >open.txt
STDIN=open.txt check "repl input ends inside a block" 0 "" "stdin:2:1: expected '}' to close the block opened at 1:8, got end of input" --
STDIN=/dev/null check "repl empty input" 0 "" "" --
