#!/usr/bin/env bash
# Installs what the tests need, builds every configuration CI checks, and runs the whole
# test suite. The last thing it prints is ctest's summary line.
#
#   1. clang 14 with -Wthread-safety -Werror: libraries and programs (the locking annotations)
#   2. clang 14 libFuzzer build of the fuzz targets (run briefly by ctest's fuzz_smoke)
#   3. g++ 12 build with -Werror under CI, and ctest over everything
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
JOBS="$(nproc)"
WERROR=OFF
if [ "${CI:-}" = "true" ]; then WERROR=ON; fi

echo "== clang -Wthread-safety build" >&2
CC=clang CXX=clang++ cmake -S . -B build-tsa -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DNOTME_THREAD_SAFETY=ON -DNOTME_WERROR=ON -DNOTME_BUILD_TESTS=OFF -DNOTME_BUILD_BENCH=OFF \
  >/dev/null
cmake --build build-tsa -j"$JOBS" >/dev/null

echo "== clang libFuzzer build" >&2
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNOTME_FUZZ=ON -DNOTME_BUILD_TESTS=OFF -DNOTME_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS" --target notme_fuzzers >/dev/null

echo "== g++ build and test suite" >&2
cmake -S . -B build -G Ninja -DNOTME_WERROR="$WERROR" \
  -DNOTME_FUZZ_BUILD_DIR="$PWD/build-fuzz" >/dev/null
cmake --build build -j"$JOBS" >/dev/null
ctest --test-dir build --output-on-failure -j"$JOBS"
