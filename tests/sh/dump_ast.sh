#!/usr/bin/env bash
# `hako --dump-ast FILE`: the tree on stdout and exit 0, or file:line:col: message lines on
# stderr and exit 3 (a compile error).
set -u
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'let x = 1 + 2;\n' >"$tmp/ok.hako"
"$hako" --dump-ast "$tmp/ok.hako" >"$tmp/out" 2>"$tmp/err"
status=$?
want=$(printf 'Chunk %s\n  Let x\n    Binary +\n      Int 1\n      Int 2' "$tmp/ok.hako")
if [ $status = 0 ] && [ "$(cat "$tmp/out")" = "$want" ] && [ ! -s "$tmp/err" ]; then
  echo "TEST-RESULT: pass dump"
else
  echo "TEST-RESULT: fail dump (status $status: $(cat "$tmp/out" "$tmp/err"))"
fi

"$hako" --dump-ast --positions "$tmp/ok.hako" >"$tmp/out" 2>&1
grep -q "Binary + @1:11" "$tmp/out" && echo "TEST-RESULT: pass positions" \
  || echo "TEST-RESULT: fail positions ($(cat "$tmp/out"))"

printf 'let x = ;\nlet y = "\\q";\n' >"$tmp/bad.hako"
"$hako" --dump-ast "$tmp/bad.hako" >"$tmp/out" 2>"$tmp/err"
status=$?
want=$(printf '%s:1:9: expected an expression, got '"';'"'\n%s:2:10: unknown escape sequence '"'\\\\q'" "$tmp/bad.hako" "$tmp/bad.hako")
if [ $status = 3 ] && [ "$(cat "$tmp/err")" = "$want" ] && [ ! -s "$tmp/out" ]; then
  echo "TEST-RESULT: pass errors"
else
  echo "TEST-RESULT: fail errors (status $status: $(cat "$tmp/err"); want $want)"
fi

"$hako" --dump-ast >/dev/null 2>&1
[ $? = 2 ] && echo "TEST-RESULT: pass usage" || echo "TEST-RESULT: fail usage"
