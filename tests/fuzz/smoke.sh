#!/usr/bin/env bash
# Runs every fuzz_* binary in $1 for NOTME_FUZZ_SECONDS (default 15) over its seed corpus
# in $2/<name>/ (copied to a scratch dir so the checked-in corpus is never modified).
set -euo pipefail
bin_dir="$1"
corpus_root="$2"
seconds="${NOTME_FUZZ_SECONDS:-15}"
shopt -s nullglob
fuzzers=("$bin_dir"/fuzz_*)
if [ "${#fuzzers[@]}" -eq 0 ]; then
  echo "no fuzz targets built in $bin_dir" >&2
  exit 1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for f in "${fuzzers[@]}"; do
  [ -x "$f" ] || continue
  name="$(basename "$f")"; name="${name#fuzz_}"
  mkdir -p "$scratch/$name"
  if [ -d "$corpus_root/$name" ]; then cp -r "$corpus_root/$name/." "$scratch/$name/"; fi
  echo "fuzzing $name for ${seconds}s" >&2
  "$f" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$scratch/$name" 2>"$scratch/$name.log" || {
    tail -50 "$scratch/$name.log" >&2
    exit 1
  }
  grep -E "stat::number_of_executed_units" "$scratch/$name.log" >&2 || true
done
