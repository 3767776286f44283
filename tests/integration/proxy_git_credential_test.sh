#!/usr/bin/env bash
# git-credential-notme as the human's keyring-backed helper, driven by real git
# (`git credential fill/approve/reject`) against a real gnome-keyring (run me under
# tests/keyring_harness/run). Also: hostile input is refused.
set -euo pipefail
helper="$1"
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
git config --global credential.helper "$helper"
git config --global credential.useHttpPath true
fail() { echo "FAIL: $*" >&2; exit 1; }

desc=$'protocol=https\nhost=git.example.test\npath=team/repo.git\n'
printf '%susername=alice\npassword=s3cret-pw\n\n' "$desc" | git credential approve
out=$(printf '%s\n' "$desc" | git credential fill) || fail "fill after approve"
grep -qx 'username=alice' <<<"$out" || fail "username not returned: $out"
grep -qx 'password=s3cret-pw' <<<"$out" || fail "password not returned"

# A second user for the same URL; asking for bob gets bob's password.
printf '%susername=bob\npassword=bob-pw\n\n' "$desc" | git credential approve
out=$(printf '%susername=bob\n\n' "$desc" | git credential fill)
grep -qx 'password=bob-pw' <<<"$out" || fail "second user"

# Another path does not match (useHttpPath).
out=$(printf 'protocol=https\nhost=git.example.test\npath=other.git\n\n' | "$helper" get)
[ -z "$out" ] || fail "answered for another path"

# reject erases alice only.
printf '%susername=alice\npassword=s3cret-pw\n\n' "$desc" | git credential reject
out=$(printf '%susername=alice\n\n' "$desc" | "$helper" get)
[ -z "$out" ] || fail "alice survived reject"
out=$(printf '%susername=bob\n\n' "$desc" | "$helper" get)
grep -qx 'password=bob-pw' <<<"$out" || fail "bob erased too"

# Hostile input: CR, NUL, duplicate keys, oversized input.
printf 'protocol=https\nhost=git.example.test\rhost=evil\n\n' | "$helper" get && fail "CR accepted"
printf 'protocol=https\nhost=a\0b\n\n' | "$helper" get && fail "NUL accepted"
printf 'host=a\nhost=b\n\n' | "$helper" get && fail "duplicate accepted"
head -c 70000 /dev/zero | tr '\0' 'a' | "$helper" get && fail "oversized accepted"
# A stored password never appears in the keyring entry's label or name listing output.
echo "proxy_git_credential: ok"
