#!/usr/bin/env bash
# Configures and builds notme into ./build (g++, RelWithDebInfo). Extra arguments go to
# the CMake configure step, e.g. scripts/build.sh -DNOTME_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR="${NOTME_BUILD_DIR:-build}"
WERROR=OFF
if [ "${CI:-}" = "true" ]; then WERROR=ON; fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DNOTME_WERROR="$WERROR" "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
