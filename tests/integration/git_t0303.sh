#!/usr/bin/env bash
# git's own external credential-helper suite (t/t0303-credential-external.sh from git's
# source) against git-credential-notme as the human's keyring-backed helper. Run me under
# tests/keyring_harness/run (a real gnome-keyring on a private bus):
#
#   git_t0303.sh HELPER GIT_TESTS_DIR
#
# GIT_TESTS_DIR holds git's t/ as scripts/fetch-git-tests.sh left it (from Debian's source
# package; never committed to notme). The suite runs against the installed git
# (GIT_TEST_INSTALLED=/usr/bin): test-lib.sh only needs the "built tree" files below, which
# we generate instead of building git. t0303 never calls test-tool, so a stub that fails
# loudly stands in for it: if a future suite needs it, the run fails rather than passes.
set -euo pipefail
helper="$1"
src="$2"
if [ ! -f "$src/t/t0303-credential-external.sh" ]; then
  echo "git_t0303: no git test suite in $src; run scripts/fetch-git-tests.sh $src" >&2
  exit 1
fi
git_exec="$(command -v git)"
installed="$(dirname "$git_exec")"

# GIT-BUILD-OPTIONS as git's Makefile writes it, for the installed Debian git.
cat >"$src/GIT-BUILD-OPTIONS" <<EOF
SHELL_PATH='/bin/sh'
TEST_SHELL_PATH='/bin/sh'
PERL_PATH='/usr/bin/perl'
DIFF='diff'
PYTHON_PATH='/usr/bin/python3'
TAR='tar'
NO_CURL=''
NO_EXPAT=''
USE_LIBPCRE2='YesPlease'
NO_PERL=''
NO_PTHREADS=''
NO_PYTHON=''
NO_REGEX=''
NO_UNIX_SOCKETS=''
PAGER_ENV='LESS=FRX LV=-c'
SANITIZE_LEAK=''
SANITIZE_ADDRESS=''
X=''
GIT_TEST_CMP=''
GIT_TEST_UTF8_LOCALE=''
NO_GETTEXT=''
RUNTIME_PREFIX='false'
EOF
mkdir -p "$src/templates" "$src/t/helper"
ln -sfn /usr/share/git-core/templates "$src/templates/blt"
cat >"$src/t/helper/test-tool" <<'EOF'
#!/bin/sh
echo "test-tool is not built for notme's git_t0303 run (called with: $*)" >&2
exit 127
EOF
chmod +x "$src/t/helper/test-tool"

work="$(mktemp -d /tmp/gt0303.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$helper" "$work/bin/git-credential-notme"

# git runs "git credential-notme" for credential.helper=notme: found on PATH.
cd "$src/t"
PATH="$work/bin:$PATH" GIT_TEST_INSTALLED="$installed" GIT_TEST_CREDENTIAL_HELPER=notme \
  /bin/sh ./t0303-credential-external.sh --root="$work/trash" --verbose
