#!/usr/bin/env bash
# End-to-end SSH commit signing (issue 5) with the real programs and stock tools: notmed
# on a real GNOME Keyring (run under tests/keyring_harness/run), notme, notme-ssh-sign,
# git and ssh-keygen. Usage: ssh_signing_test.sh NOTMED NOTME NOTME_SSH_SIGN
set -euo pipefail
NOTMED="$1"; NOTME="$2"; SHIM="$3"
: "${NOTME_TEST_HOME:?run me under tests/keyring_harness/run}"
T="$NOTME_TEST_HOME"
export NOTME_RUNTIME_DIR="$T/rt"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com
export GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
unset NOTME_SOCKET
EMAIL=dev@example.com
CTL="$NOTME_RUNTIME_DIR/control.sock"
DAEMON_PID=""
pass=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }

start_daemon() {
  "$NOTMED" --keyring secret-service --runtime-dir "$NOTME_RUNTIME_DIR" "$@" >>"$T/notmed.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 200); do [ -S "$CTL" ] && return 0; sleep 0.05; done
  cat "$T/notmed.log" >&2
  fail "notmed did not start"
}
stop_daemon() {
  if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; fi
  DAEMON_PID=""
}
trap stop_daemon EXIT

start_daemon
"$NOTME" agent add bot --scope git:sign >/dev/null
"$NOTME" agent add nosign --scope repo:read >/dev/null
"$NOTME" git setup --email "$EMAIL" >"$T/setup.out"
grep -q "cert-authority,namespaces=\"git\" ssh-ed25519 " "$T/setup.out" || fail "setup output: $(cat "$T/setup.out")"
[ "$(git config --global gpg.format)" = ssh ] || fail "gpg.format not set"
ALLOWED="$(git config --global gpg.ssh.allowedSignersFile)"
grep -q "^$EMAIL cert-authority,namespaces=\"git\" ssh-ed25519 AAAA" "$ALLOWED" || fail "allowed signers: $(cat "$ALLOWED")"
[ "$("$NOTME" git allowed-signers)" = "$(tail -1 "$ALLOWED")" ] || fail "allowed-signers line differs from the file"
ok "notme git setup writes the trust line and configures git"

REPO="$T/repo"; git init -q "$REPO"; cd "$REPO"

# The human, on the control socket, without a token.
echo one > f; git add f; git commit -q -S -m "human commit"
git verify-commit HEAD 2>"$T/v1" || { cat "$T/v1" >&2; fail "human commit does not verify"; }
grep -q "Good \"git\" signature for $EMAIL" "$T/v1" || fail "verify output: $(cat "$T/v1")"
ok "a human commit signed through the shim verifies with git verify-commit"

# The agent, straight through NOTME_SOCKET (its socket), as `notme run` would set it.
echo two > f; git add f
NOTME_SOCKET="$NOTME_RUNTIME_DIR/agents/bot.sock" git -c user.signingkey=notme-agent:bot commit -q -S -m "agent commit"
git verify-commit HEAD 2>/dev/null || fail "agent commit does not verify"
git log -1 --show-signature >"$T/log1" 2>&1
grep -q "Good \"git\" signature for $EMAIL with ED25519-CERT key" "$T/log1" || fail "log: $(cat "$T/log1")"
[ "$(git log -1 --format=%G?)" = G ] || fail "%G? is not G"
ok "an agent commit via NOTME_SOCKET verifies (git verify-commit, git log --show-signature, %G?)"

# The agent's name is in the certificate inside the signature.
extract_cert() {  # commit → cert text on stdout
  git cat-file commit "$1" | /usr/bin/python3 -c '
import sys, base64, struct
lines = sys.stdin.read().split("\n")
sig, on = [], False
for l in lines:
    if l.startswith("gpgsig "): on = True; l = l[len("gpgsig "):]
    elif on and l.startswith(" "): l = l[1:]
    elif on: break
    if on: sig.append(l)
blob = base64.b64decode("".join(x for x in sig if not x.startswith("-----")))
n = struct.unpack(">I", blob[10:14])[0]
cert = blob[14:14 + n]
t = struct.unpack(">I", cert[:4])[0]
print(cert[4:4 + t].decode(), base64.b64encode(cert).decode())'
}
extract_cert HEAD >"$T/cert.pub"
ssh-keygen -L -f "$T/cert.pub" >"$T/cert.txt"
grep -q 'Key ID: "notme:agent=bot:human=dev@example.com"' "$T/cert.txt" || fail "cert: $(cat "$T/cert.txt")"
grep -q "user certificate" "$T/cert.txt" || fail "not a user certificate"
ok "ssh-keygen -L on the extracted certificate names the agent and the human"

# Under `notme run`.
echo three > f; git add f
"$NOTME" run --agent bot -- git commit -q -m "run commit"
git verify-commit HEAD 2>/dev/null || fail "commit under notme run does not verify"
extract_cert HEAD >"$T/cert2.pub"
ssh-keygen -L -f "$T/cert2.pub" | grep -q "notme:agent=bot" || fail "notme run commit not signed by bot"
ok "git commit under notme run --agent bot is signed as bot and verifies"

# A raw signature from stdin, verified by ssh-keygen -Y verify.
now=$(date +%s)
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter D <d@x> %s +0000\n\nraw\n' "$now" >"$T/raw"
"$SHIM" -Y sign -n git -f notme-agent:bot <"$T/raw" >"$T/raw.sig"
ssh-keygen -Y verify -f "$ALLOWED" -I "$EMAIL" -n git -s "$T/raw.sig" <"$T/raw" >/dev/null 2>&1 || fail "ssh-keygen -Y verify on a raw signature"
ssh-keygen -Y check-novalidate -n git -s "$T/raw.sig" <"$T/raw" >/dev/null 2>&1 || fail "check-novalidate"
ok "ssh-keygen -Y verify accepts a raw signature made through the shim (stdin to stdout)"

# The file form writes FILE.sig like ssh-keygen.
cp "$T/raw" "$T/raw2"
"$SHIM" -Y sign -n git -f "$T/whatever" "$T/raw2"
[ -s "$T/raw2.sig" ] && head -1 "$T/raw2.sig" | grep -q -- "-----BEGIN SSH SIGNATURE-----" || fail "FILE.sig not written"
ok "-Y sign FILE writes FILE.sig"

# The certificate window: verified at the committer time it is good, 10 minutes later not.
ssh-keygen -Y verify -f "$ALLOWED" -I "$EMAIL" -n git -s "$T/raw.sig" \
  -Overify-time="$(date -u -d "@$((now + 600))" +%Y%m%d%H%M%SZ)" <"$T/raw" >/dev/null 2>&1 &&
  fail "a signature verified outside its certificate window"
ok "verification at a time outside the certificate window fails"

# No backdating: the daemon refuses a commit dated outside the drift.
echo four > f; git add f
if GIT_COMMITTER_DATE="2020-01-01T00:00:00Z" git commit -q -S -m backdated 2>"$T/back.err"; then
  fail "a backdated commit was signed"
fi
grep -q "notme-ssh-sign:" "$T/back.err" || fail "no clear message: $(cat "$T/back.err")"
ok "a commit with a committer date years ago is refused (no backdating into a window)"

# An agent without git:sign cannot sign, with one clear line.
if NOTME_SOCKET="$NOTME_RUNTIME_DIR/agents/nosign.sock" git commit -q -S -m nope 2>"$T/nosign.err"; then
  fail "an agent without git:sign signed"
fi
grep -q "notme-ssh-sign: .*may not sign commits" "$T/nosign.err" || fail "message: $(cat "$T/nosign.err")"
ok "an agent without git:sign cannot sign and is told why"

# Audit: one entry per signature, naming agent, namespace and tree.
"$NOTME" audit --json >"$T/audit.json" 2>/dev/null || true
/usr/bin/python3 - "$T/audit.json" <<'PY' || fail "audit entries missing"
import json, sys
text = open(sys.argv[1]).read()
try:
    data = json.loads(text)
    entries = data["entries"] if isinstance(data, dict) else data
except Exception:
    entries = [json.loads(l) for l in text.splitlines() if l.strip()]
signed = [e for e in entries if e.get("event") == "ssh.signed"]
assert any(e.get("agent") == "bot" and e.get("namespace") == "git" and e.get("tree") for e in signed), signed
# An agent without the scope is stopped at the token endpoint already.
assert any(e.get("event") in ("ssh.refused", "token.refused") and e.get("agent") == "nosign"
           for e in entries), [e for e in entries if e.get("agent") == "nosign"]
PY
ok "signatures and refusals are audited with agent, namespace and tree"

# Daemon down: one clear line.
stop_daemon
echo five > f; git add f
if git commit -q -S -m down 2>"$T/down.err"; then fail "signed with the daemon down"; fi
grep -q "notme-ssh-sign: notmed is not running" "$T/down.err" || fail "message: $(cat "$T/down.err")"
ok "with notmed down, git shows one line saying so and how to start it"

# Verification does not need the daemon, and survives a restart (same CA from the keyring).
git verify-commit HEAD~1 2>/dev/null || fail "verification needs the daemon"
start_daemon
[ "$("$NOTME" git allowed-signers)" = "$(tail -1 "$ALLOWED")" ] || fail "the CA changed across a restart"
git commit -q -S -m after-restart
for c in HEAD HEAD~1 HEAD~2 HEAD~3; do git verify-commit "$c" 2>/dev/null || fail "$c does not verify after restart"; done
ok "after a daemon restart the CA is the same and old and new commits verify"

# Another --issuer: the shim's proofs name the default issuer first, are refused, and the
# shim falls back to the advertised endpoints (docs/ssh-signing.md).
stop_daemon
start_daemon --issuer http://issuer.example:8080
for _ in $(seq 1 200); do [ -S "$NOTME_RUNTIME_DIR/agents/bot.sock" ] && break; sleep 0.05; done
echo six > f; git add f
NOTME_SOCKET="$NOTME_RUNTIME_DIR/agents/bot.sock" git -c user.signingkey=notme-agent:bot commit -q -S -m "other issuer" 2>"$T/issuer.err" ||
  fail "signing under another issuer: $(cat "$T/issuer.err")"
git verify-commit HEAD 2>/dev/null || fail "the commit signed under another issuer does not verify"
ok "with another --issuer the shim reads the metadata and still signs"

echo "all $pass ssh signing checks passed"
