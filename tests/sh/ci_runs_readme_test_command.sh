#!/usr/bin/env bash
# .ci/run must run the README's Quick start test command as written there.
set -eu
cmd=$(grep -A1 '^```sh' "$ROOT/README.md" | grep -v '^```sh' | grep -v '^--' | sed -n 2p)
[ -n "$cmd" ] || { echo "no second command in README's Quick start"; exit 1; }
grep -qF -- "$cmd" "$ROOT/.ci/run" || { echo ".ci/run does not run: $cmd"; exit 1; }
echo "ok: $cmd"
