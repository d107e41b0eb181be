#!/usr/bin/env bash
# `hako json-check FILE`: exit 0 for valid JSON, 1 (and file:line:col: message (byte N) on
# stderr) for invalid JSON, 2 for usage and I/O errors.
set -u
hako="$BUILDDIR/hako"
[ -x "$hako" ] || { echo "no $hako"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME WANT_STATUS WANT_STDERR_SUBSTRING -- ARGS...
check() {
  local name=$1 want=$2 want_err=$3
  shift 4
  "$hako" "$@" >"$tmp/out" 2>"$tmp/err" <"${STDIN:-/dev/null}"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "TEST-RESULT: fail $name (exit $got, want $want; stderr: $(head -c 300 "$tmp/err"))"
  elif [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$tmp/err"; then
    echo "TEST-RESULT: fail $name (stderr lacks '$want_err': $(head -c 300 "$tmp/err"))"
  elif [ -z "$want_err" ] && [ "$want" = 0 ] && [ -s "$tmp/err" ]; then
    echo "TEST-RESULT: fail $name (unexpected stderr: $(head -c 300 "$tmp/err"))"
  else
    echo "TEST-RESULT: pass $name"
  fi
}

printf '{"a": [1, 2.5, "x\\u00e9"], "b": null}\n' >"$tmp/good.json"
printf '{\n  "a": [1, 2,]\n}\n' >"$tmp/trailing.json"
printf '' >"$tmp/empty.json"
printf '\xef\xbb\xbf{}' >"$tmp/bom.json"
printf '"\xc0\x80"' >"$tmp/overlong.json"
python_deep=$(printf '%.0s[' $(seq 1 1001))
printf '%s' "$python_deep" >"$tmp/deep.json"

check valid 0 "" -- json-check "$tmp/good.json"
check trailing-comma 1 "$tmp/trailing.json:2:13: trailing comma before ']' (byte 14)" -- json-check "$tmp/trailing.json"
check empty-file 1 "$tmp/empty.json:1:1: expected a value, got end of input (byte 0)" -- json-check "$tmp/empty.json"
check bom 1 "byte order mark" -- json-check "$tmp/bom.json"
check invalid-utf8 1 "$tmp/overlong.json:1:2: invalid UTF-8 in a string (overlong encoding) (byte 1)" -- json-check "$tmp/overlong.json"
check too-deep 1 "nesting depth exceeds the limit of 1000 (byte 1000)" -- json-check "$tmp/deep.json"
check missing-file 2 "cannot open $tmp/nope.json" -- json-check "$tmp/nope.json"
check directory 2 "cannot read $tmp" -- json-check "$tmp"
check no-file-argument 2 "usage: hako json-check FILE" -- json-check
check two-files 2 "usage: hako json-check FILE" -- json-check "$tmp/good.json" "$tmp/good.json"
STDIN="$tmp/good.json" check stdin-valid 0 "" -- json-check -
STDIN="$tmp/trailing.json" check stdin-invalid 1 "-:2:13: trailing comma" -- json-check -
check unknown-option 2 "hako: unknown option '--frobnicate'" -- --frobnicate
check run-without-file 2 "usage: hako run [OPTIONS] FILE" -- run
"$hako" --help >"$tmp/out" 2>&1 && grep -q "json-check" "$tmp/out" \
  && echo "TEST-RESULT: pass help" || echo "TEST-RESULT: fail help (status or text)"
