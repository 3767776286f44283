#!/usr/bin/env bash
# Static checks of packaging/homebrew/notme.rb (no Homebrew on Linux CI): the stanzas a
# formula needs, its version equal to the project's, and Ruby syntax when ruby exists.
# Usage: homebrew_test.sh SOURCE_DIR VERSION
set -euo pipefail
f="$1/packaging/homebrew/notme.rb"; version="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$f" ] || fail "$f missing"
for pattern in '^class Notme < Formula$' '^  desc "' '^  homepage "' '^  url "' \
    '^  license "' 'depends_on "cmake" => :build' 'depends_on "pkg-config" => :build' \
    'depends_on "libsodium"' 'depends_on "openssl@3"' 'system "cmake", "-S", "."' \
    'system "cmake", "--install"' '^  service do$' 'run \[opt_bin/"notmed"' \
    '^  test do$'; do
  grep -qE -- "$pattern" "$f" || fail "formula lacks /$pattern/"
done
grep -qF "version \"$version\"" "$f" || fail "formula version is not $version"
for p in notmed notme notme-ssh-sign git-credential-notme; do
  grep -qF "#{bin}/$p --version" "$f" || fail "test do does not run $p --version"
done
if command -v ruby >/dev/null; then ruby -c "$f" >/dev/null || fail "ruby syntax"; fi
echo "PASS"
