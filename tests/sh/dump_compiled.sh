#!/usr/bin/env bash
# `hako --dump-mir|--dump-bytecode [-O0|-O1] [--verify] FILE`: the dump on stdout and exit 0;
# compile errors as file:line:col: message on stderr and exit 3; usage and I/O errors exit 2.
set -u
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

result() {  # result NAME CONDITION-STATUS DETAIL
  if [ "$2" = 0 ]; then echo "TEST-RESULT: pass $1"; else echo "TEST-RESULT: fail $1 ($3)"; fi
}

printf 'let x = 1 + 2;\nprint(x);\n' >ok.hako
for cmd in --dump-mir --dump-bytecode; do
  for level in -O0 -O1; do
    "$hako" $cmd $level --verify ok.hako >out 2>err
    status=$?
    [ $status = 0 ] && [ -s out ] && [ ! -s err ]
    result "$cmd $level" $? "status $status: $(head -2 err)"
  done
done
# -O1 folds 1 + 2; -O0 does not.
"$hako" --dump-mir -O1 ok.hako | grep -q "loadk 3 " ; result "folded at -O1" $? "$("$hako" --dump-mir -O1 ok.hako)"
"$hako" --dump-mir -O0 ok.hako | grep -q "add" ; result "not folded at -O0" $? "$("$hako" --dump-mir -O0 ok.hako)"
# The default is -O1.
[ "$("$hako" --dump-bytecode ok.hako)" = "$("$hako" --dump-bytecode -O1 ok.hako)" ]
result "default level" $? "-O1 is not the default"

printf 'print(y);\n' >bad.hako
"$hako" --dump-bytecode bad.hako >out 2>err
status=$?
[ $status = 3 ] && [ ! -s out ] && [ "$(cat err)" = "bad.hako:1:7: undeclared variable 'y'" ]
result "compile error" $? "status $status: $(cat err)"

"$hako" --dump-mir missing.hako >out 2>err
status=$?
[ $status = 2 ] && grep -q "cannot open missing.hako" err
result "missing file" $? "status $status: $(cat err)"

for args in "--dump-mir" "--dump-bytecode -O2 ok.hako" "--dump-mir ok.hako ok.hako" "--dump-mir --positions ok.hako"; do
  "$hako" $args >out 2>err
  status=$?
  [ $status = 2 ] && grep -q "usage: hako" err
  result "usage: $args" $? "status $status: $(cat err)"
done
