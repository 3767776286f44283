#!/usr/bin/env bash
# Installs every build, test and demo dependency of notme from Debian 12 packages.
# Idempotent and quiet: safe to run on every build. Must run as root (or via sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  # libraries (docs/dependencies.md says what each is for)
  libsodium-dev libssl-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev
  libsecret-1-dev libspdlog-dev doctest-dev
  # real peers used by the tests
  openssh-client gnome-keyring dbus dbus-x11 libsecret-tools python3 python3-jwcrypto
  ca-certificates curl procps
  # packaging checks (tests/packaging): lintian on the .deb, systemd-analyze verify on the units
  lintian systemd
)
# tests/integration/mcp.cmake runs the official MCP TypeScript SDK (npm ci into the build
# tree): Node.js 18 or newer. Debian 12's nodejs is 18; a node already on PATH is kept.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "notme: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
