#!/usr/bin/env bash
# The main job: installs what notme needs, builds it, starts notmed in a private runtime
# directory and walks through a short guided demo. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
exec bash scripts/guided-demo.sh "$PWD/build"
