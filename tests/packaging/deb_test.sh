#!/usr/bin/env bash
# Builds the Debian package from the build tree with cpack and checks it as a user would
# meet it: control fields (computed Depends), file list and permissions, every program's
# --version from the unpacked tree, `systemd-analyze verify` on the user units, the
# launchd plist, and lintian with no errors. Nothing is installed on this machine unless
# NOTME_PACKAGING_INSTALL=1, which CI=true implies (then: apt-get install ./notme_*.deb,
# check, apt-get purge).
#
# Usage: deb_test.sh SOURCE_DIR BINARY_DIR VERSION
set -euo pipefail
src="$1"; bin="$2"; version="$3"
programs=(notmed notme notme-ssh-sign git-credential-notme)

tmp="$(mktemp -d /tmp/notme-deb.XXXXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cpack -G DEB"
cpack -G DEB --config "$bin/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
arch="$(dpkg --print-architecture)"
deb="$tmp/out/notme_${version}_${arch}.deb"
[ -f "$deb" ] || { ls -l "$tmp/out" >&2; fail "expected $deb"; }

step "control fields"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = notme ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version) != $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = utils ] || fail "Section: $(field Section)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
depends="$(field Depends)"
echo "Depends: $depends"
# Computed by dpkg-shlibdeps from the binaries, not written by hand.
for lib in libc6 libstdc++6 libsodium23; do
  printf '%s' "$depends" | grep -q "\b$lib\b" || fail "Depends lacks $lib (shlibdeps off?)"
done
dpkg-deb -I "$deb" >/dev/null

step "file list"
dpkg-deb -c "$deb" >"$tmp/contents"
expect=(
  ./usr/bin/notmed ./usr/bin/notme ./usr/bin/notme-ssh-sign ./usr/bin/git-credential-notme
  ./usr/lib/systemd/user/notmed.socket ./usr/lib/systemd/user/notmed.service
  ./usr/share/notme/launchd/dev.notme.notmed.plist
  ./usr/share/man/man1/notmed.1.gz ./usr/share/man/man1/notme.1.gz
  ./usr/share/man/man1/notme-ssh-sign.1.gz ./usr/share/man/man1/git-credential-notme.1.gz
  ./usr/share/bash-completion/completions/notme ./usr/share/zsh/vendor-completions/_notme
  ./usr/share/doc/notme/copyright ./usr/share/doc/notme/changelog.gz
  ./usr/share/doc/notme/README.md ./usr/share/doc/notme/packaging.md
  ./usr/share/doc/notme/keyring.md
)
for f in "${expect[@]}"; do
  awk '{print $6}' "$tmp/contents" | grep -qxF "$f" || fail "package lacks $f"
done
for p in "${programs[@]}"; do
  grep -E " \./usr/bin/$p\$" "$tmp/contents" | grep -q '^-rwxr-xr-x root/root' ||
    fail "/usr/bin/$p is not -rwxr-xr-x root/root"
done
# Nothing setuid/setgid, nothing world-writable, nothing outside /usr, no build tree.
if awk '{print $1}' "$tmp/contents" | grep -qE '^...[sS]|^......[sS]|^........w'; then
  fail "setuid/setgid or world-writable entry"
fi
if awk '{print $6}' "$tmp/contents" | grep -vE '^\./(usr(/.*)?)?$' | grep -q .; then
  fail "files outside /usr: $(awk '{print $6}' "$tmp/contents" | grep -vE '^\./(usr(/.*)?)?$')"
fi

step "unpack and run every program's --version"
root="$tmp/root"
dpkg -x "$deb" "$root"
"$src/tests/packaging/version_test.sh" "$version" "${programs[@]/#/$root/usr/bin/}"
# The Debian changelog's latest entry is this version.
zcat "$root/usr/share/doc/notme/changelog.gz" | head -n1 | grep -qF "notme ($version)" ||
  fail "changelog.gz does not start with notme ($version)"

step "systemd-analyze verify (user units)"
units="$root/usr/lib/systemd/user"
grep -qx "ExecStart=/usr/bin/notmed" "$units/notmed.service" ||
  fail "notmed.service: ExecStart is not /usr/bin/notmed"
grep -qx "ListenStream=%t/notme/control.sock" "$units/notmed.socket" || fail "socket path"
grep -qx "SocketMode=0600" "$units/notmed.socket" || fail "SocketMode"
grep -qx "DirectoryMode=0700" "$units/notmed.socket" || fail "DirectoryMode"
grep -qx "Type=notify" "$units/notmed.service" || fail "Type=notify"
for d in NoNewPrivileges LockPersonality MemoryDenyWriteExecute PrivateTmp RestrictRealtime; do
  grep -qx "$d=yes" "$units/notmed.service" || fail "notmed.service lacks $d=yes"
done
grep -qx "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "$units/notmed.service" ||
  fail "RestrictAddressFamilies"
# systemd-analyze --user cannot use --root, so verify copies whose ExecStart points at
# the unpacked binary (it checks the program exists and is executable). No running
# systemd is needed; --man=no/--generators=no keep it from probing the host.
mkdir -p "$tmp/units" "$tmp/xdg-runtime"
chmod 0700 "$tmp/xdg-runtime"
cp "$units/notmed.socket" "$tmp/units/"
sed "s|^ExecStart=/usr/bin/notmed|ExecStart=$root/usr/bin/notmed|" "$units/notmed.service" \
  >"$tmp/units/notmed.service"
(cd "$tmp/units" && XDG_RUNTIME_DIR="$tmp/xdg-runtime" systemd-analyze --user verify \
   --man=no --generators=no notmed.socket notmed.service) >"$tmp/verify.log" 2>&1 ||
  { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify"; }
# Warnings (unknown keys, bad values) do not change its exit status: treat any output as
# a failure.
if [ -s "$tmp/verify.log" ]; then cat "$tmp/verify.log" >&2; fail "systemd-analyze warned"; fi

step "launchd plist"
/usr/bin/python3 - "$root/usr/share/notme/launchd/dev.notme.notmed.plist" \
    "$src/launchd/dev.notme.notmed.plist" <<'PY'
import plistlib, sys
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        p = plistlib.load(f, fmt=plistlib.FMT_XML)
    assert p["Label"] == "dev.notme.notmed", p["Label"]
    assert p["ProgramArguments"][0].endswith("/notmed"), p["ProgramArguments"]
    assert p["Umask"] == 0o077, p["Umask"]
    assert p["SoftResourceLimits"]["Core"] == 0 and p["HardResourceLimits"]["Core"] == 0
assert p is not None
with open(sys.argv[1], "rb") as f:
    assert plistlib.load(f)["ProgramArguments"] == ["/usr/bin/notmed"]
print("ok: plists parse")
PY

step "apt can satisfy the package's Depends on this machine"
apt-get install --simulate --no-install-recommends "$deb" >"$tmp/apt.log" 2>&1 ||
  { cat "$tmp/apt.log" >&2; fail "apt-get install --simulate"; }

step "lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" | tee "$tmp/lintian.log" || 
  fail "lintian reported errors"
if grep -q '^E:' "$tmp/lintian.log"; then fail "lintian errors"; fi

if [ "${NOTME_PACKAGING_INSTALL:-${CI:+1}}" = 1 ] && [ "${CI:-}" != false ]; then
  step "apt-get install ./$(basename "$deb") on this machine"
  cp "$deb" "$tmp/install.deb"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$tmp/install.deb" >/dev/null
  trap 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq notme >/dev/null; rm -rf "$tmp"' EXIT
  "$src/tests/packaging/version_test.sh" "$version" "${programs[@]/#//usr/bin/}"
  [ -f /usr/lib/systemd/user/notmed.socket ] || fail "installed units missing"
fi
echo "PASS"
