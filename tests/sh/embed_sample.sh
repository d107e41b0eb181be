#!/usr/bin/env bash
# samples/embed/host: the example host of docs/EMBEDDING.md runs its script and prints what
# it read back, the host error the script caught, the memory limit and the budget at work.
set -u
host="$BUILDDIR/samples/host"
[ -x "$host" ] || { echo "skip: no $host"; exit 77; }
out=$(cd "$ROOT" && "$host" samples/embed/inventory.hako 2>&1)
status=$?
want='[corner shop] priced 3 lines for Ada
customer: Ada
count: 3
subtotal: 7.00
total: 8.40
line 0: apple x3
line 1: pear x2
line 2: fig x10
fields: customer lines subtotal total count
caught: no such item: kiwi
caught: no such item: plum
memory limit: the script caught "out of memory"
heap within the limit: yes
budget: HAKO_ERR_BUDGET: instruction budget exhausted
[corner shop] priced 3 lines for Ada
after the budget: total 8.40
log lines: 2'
if [ $status -ne 0 ] || [ "$out" != "$want" ]; then
  echo "FAIL: exit $status; output:"
  echo "$out"
  diff <(echo "$want") <(echo "$out")
  exit 1
fi
# A missing script is reported, not a crash.
out=$(cd "$ROOT" && "$host" /nonexistent.hako 2>&1)
status=$?
if [ $status -ne 1 ] || ! grep -q "HAKO_ERR_IO: cannot open /nonexistent.hako" <<<"$out"; then
  echo "FAIL: missing script: exit $status: $out"
  exit 1
fi

# The complete example of docs/EMBEDDING.md compiles as C, links and prints what it says.
cc=$(command -v cc || command -v gcc) || { echo "ok (no C compiler for the docs example)"; exit 0; }
san=""
case "${MODE:-release}" in
  asan) san="-fsanitize=address,undefined" ;;
  tsan) san="-fsanitize=thread" ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/<!-- example:begin -->/ {on=1; next} /<!-- example:end -->/ {on=0} on && !/^```/' \
  "$ROOT/docs/EMBEDDING.md" >"$tmp/example.c"
if ! "$cc" -std=c11 -Wall -Wextra -Werror $san -I"$ROOT/runtime/include" -c "$tmp/example.c" \
     -o "$tmp/example.o" 2>"$tmp/err"; then
  echo "FAIL: the docs example does not compile:"; cat "$tmp/err"; exit 1
fi
if ! c++ $san -pthread -o "$tmp/example" "$tmp/example.o" "$BUILDDIR/libhakort.a" \
     "$BUILDDIR/libhakovm.a" "$BUILDDIR/libhakoparse.a" "$BUILDDIR/libhakmem.a" -ldl 2>"$tmp/err"; then
  echo "FAIL: the docs example does not link:"; cat "$tmp/err"; exit 1
fi
out=$("$tmp/example" 2>&1)
want='n = 3, sum = 60.0
HAKO_ERR_RUNTIME: scale(x): a number expected
  stats.hako:6 in function broken'
if [ "$out" != "$want" ]; then
  echo "FAIL: the docs example printed:"; echo "$out"; exit 1
fi
echo "ok"
