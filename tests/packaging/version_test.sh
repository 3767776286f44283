#!/usr/bin/env bash
# Every program prints the one project version: `<program> <version>` on --version.
# Usage: version_test.sh VERSION PROGRAM_PATH...
set -euo pipefail
version="$1"; shift
fail=0
for prog in "$@"; do
  name="$(basename "$prog")"
  if ! out="$("$prog" --version 2>&1)"; then
    echo "FAIL: $name --version exited non-zero: $out" >&2; fail=1; continue
  fi
  first="$(printf '%s\n' "$out" | head -n1)"
  if [ "$first" != "$name $version" ]; then
    echo "FAIL: $name --version printed '$first', expected '$name $version'" >&2; fail=1
  else
    echo "ok: $first"
  fi
done
exit "$fail"
