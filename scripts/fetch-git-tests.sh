#!/usr/bin/env bash
# Fetches git's own test suite (t/ from Debian's source package of git) into DEST, for the
# git_t0303_external test (tests/integration/git_t0303.sh). git's code is never committed to
# notme: it comes from Debian's apt registry on demand. Idempotent: does nothing when DEST
# already holds the suite.
#
#   scripts/fetch-git-tests.sh DEST
#
# Needs root (or sudo) the first time: it adds a deb-src entry for bookworm main
# (/etc/apt/sources.list.d/notme-debian-src.sources, deb822, signed by Debian's archive key)
# and runs `apt-get update` once.
set -euo pipefail

dest="${1:?usage: fetch-git-tests.sh DEST}"
if [ -f "$dest/t/t0303-credential-external.sh" ] && [ -f "$dest/t/test-lib.sh" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

sources=/etc/apt/sources.list.d/notme-debian-src.sources
if [ ! -f "$sources" ]; then
  $SUDO tee "$sources" >/dev/null <<'EOF'
# Added by notme's scripts/fetch-git-tests.sh: source packages, for git's test suite.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  $SUDO apt-get update -qq >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# --download-only: no dpkg-source, no build dependencies; the upstream tarball is enough.
if ! (cd "$work" && apt-get source --download-only -qq git >/dev/null 2>&1); then
  $SUDO apt-get update -qq >/dev/null
  (cd "$work" && apt-get source --download-only -qq git >/dev/null)
fi
orig="$(ls "$work"/git_*.orig.tar.* 2>/dev/null | head -n 1 || true)"
if [ -z "$orig" ]; then
  echo "fetch-git-tests: apt-get source git gave no upstream tarball" >&2
  exit 1
fi

# Only t/: the suite and its harness (tests/integration/git_t0303.sh supplies the rest).
mkdir -p "$work/x"
tar -xf "$orig" -C "$work/x" --wildcards '*/t/*'
top="$(ls -d "$work"/x/*/ | head -n 1)"
mkdir -p "$dest"
rm -rf "$dest/t.new"
cp -a "$top/t" "$dest/t.new"
rm -rf "$dest/t"
mv "$dest/t.new" "$dest/t"
echo "fetch-git-tests: git's t/ from $(basename "$orig") in $dest" >&2
