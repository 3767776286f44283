#!/usr/bin/env bash
# Guided demo over an already built tree ($1 = build dir): starts notmed in a private,
# temporary runtime directory with an ephemeral keyring, walks through registering an
# agent, minting a token, running a program as the agent, revoking and the audit trail.
# Stops the daemon and removes every file it made on exit, whatever happens.
set -euo pipefail
BUILD="$(cd "${1:?usage: guided-demo.sh BUILD_DIR}" && pwd)"
NOTMED="$BUILD/daemon/notmed"
NOTME_BIN="$BUILD/cli/notme"
for p in "$NOTMED" "$NOTME_BIN"; do
  [[ -x $p ]] || { echo "guided-demo: $p is not built" >&2; exit 1; }
done

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then B=$'\e[1m'; D=$'\e[2m'; C=$'\e[36m'; R=$'\e[0m'; else B= D= C= R=; fi
step() { printf '\n%s== %s ==%s\n' "$B" "$*" "$R"; }
say() { printf '%s%s%s\n' "$D" "$*" "$R"; }
# Prints the command as one would type it (arguments with spaces single-quoted), runs it.
show() {
  local a line=""
  for a in "$@"; do [[ $a == *[[:space:]\"\$\|]* ]] && a="'$a'"; line+="${line:+ }$a"; done
  printf '%s$ %s%s\n' "$C" "$line" "$R"
  "$@"
}
notme() { "$NOTME_BIN" "$@"; }

# Everything lives under one short private directory in /tmp (socket paths < 108 bytes).
DEMO="$(mktemp -d /tmp/notme-demo.XXXXXX)"
chmod 700 "$DEMO"
DAEMON_PID=""
cleanup() {
  local rc=$?
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  rm -rf "$DEMO"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export NOTME_RUNTIME_DIR="$DEMO/run"
# Config, state and git's global config also stay inside $DEMO: the demo never touches
# your real ~/.config, ~/.gitconfig or keyring.
export XDG_CONFIG_HOME="$DEMO/config" XDG_STATE_HOME="$DEMO/state"
export GIT_CONFIG_GLOBAL="$DEMO/gitconfig" GIT_CONFIG_NOSYSTEM=1
: >"$GIT_CONFIG_GLOBAL"
unset NOTME_SOCKET
export PATH="$BUILD/cli:$BUILD/shim:$PATH"

step "1. Start notmed"
say "notmed is the per-user daemon. Here it runs in a throw-away directory with an"
say "ephemeral keyring (keys live only in its memory); normally systemd starts it."
printf '%s$ notmed --runtime-dir %s --keyring ephemeral &%s\n' "$C" "$NOTME_RUNTIME_DIR" "$R"
"$NOTMED" --runtime-dir "$NOTME_RUNTIME_DIR" --config-dir "$XDG_CONFIG_HOME/notme" \
  --state-dir "$XDG_STATE_HOME/notme" --keyring ephemeral 2>"$DEMO/notmed.log" &
DAEMON_PID=$!
for _ in $(seq 1 100); do
  [[ -S $NOTME_RUNTIME_DIR/control.sock ]] && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$DEMO/notmed.log" >&2; exit 1; }
  sleep 0.1
done
[[ -S $NOTME_RUNTIME_DIR/control.sock ]] || { echo "notmed did not start" >&2; cat "$DEMO/notmed.log" >&2; exit 1; }
show notme status

step "2. Register an agent"
say "An agent gets a name, the scopes it may ask for, and its own socket. Whoever"
say "connects to that socket (only your uid can) *is* that agent — nothing else."
show notme agent add demo-agent --scope git:sign --scope repo:read --scope api:demo
show notme agent list

step "3. Mint a token and look inside"
say "Tokens live 5 minutes and are DPoP-bound (RFC 9449): cnf.jkt names the key that"
say "must sign a proof for every request. This one is bound to the CLI's own throw-away"
say "key, so it is only for looking at — useless to anyone who copies it."
show notme token --agent demo-agent --scope repo:read

step "4. Run a program as the agent"
say "notme run gives the program the agent's socket (NOTME_SOCKET) and configures git"
say "for that program only, through GIT_CONFIG_* variables: commits are signed as the"
say "agent via notme-ssh-sign. None of these values is a secret."
show notme run --agent demo-agent -- sh -c 'env | grep -E "^(NOTME_SOCKET|GIT_CONFIG_)" | sort'
show notme run --agent demo-agent -- git config --get gpg.format
say "Inside, the agent mints its own tokens without naming itself:"
show notme run --agent demo-agent -- sh -c 'notme token --scope repo:read --json | grep -m1 "\"client_id\""'

step "5. A commit signed as the agent, verified by stock git"
say "notme git setup trusts your notme SSH CA (one cert-authority line). Each agent"
say "signature uses a key that exists for one signature, certified for 5 minutes."
REPO="$DEMO/repo"
git init -q "$REPO"
git -C "$REPO" config user.name "Demo Human"
git -C "$REPO" config user.email "human@example.com"
cd "$REPO"
show notme git setup --local --email human@example.com
echo "hello from an agent" >README
git add README
show notme run --agent demo-agent -- git commit -q -S -m "a commit made by the agent"
show git verify-commit HEAD
say "The certificate inside the signature names the agent and the human:"
git cat-file commit HEAD | sed -n '/-----BEGIN SSH SIGNATURE-----/,/-----END SSH SIGNATURE-----/p' \
  | sed 's/^ //' >"$DEMO/commit.sig"
/usr/bin/python3 - "$DEMO/commit.sig" "$DEMO/cert.pub" <<'PY'
import base64, struct, sys
lines = open(sys.argv[1]).read().split("\n")
blob = base64.b64decode("".join(l.strip() for l in lines if l.strip() and "-----" not in l))
def field(b, i):
    (n,) = struct.unpack(">I", b[i:i + 4]); return b[i + 4:i + 4 + n], i + 4 + n
pk, _ = field(blob, 10)   # after "SSHSIG" magic and the version
ktype, _ = field(pk, 0)
open(sys.argv[2], "w").write(ktype.decode() + " " + base64.b64encode(pk).decode() + "\n")
PY
show sh -c "ssh-keygen -L -f '$DEMO/cert.pub' | grep -E 'Key ID|Valid|Principals' -A1 | grep -v '^--'"
cd - >/dev/null

step "6. A request through the secretless proxy"
say "The API key lives in the keyring (here: the daemon's memory). The agent calls"
say "/r/<route>/... on its socket; notmed injects the key on the way out."
UPSTREAM_PORT_FILE="$DEMO/upstream.port"
/usr/bin/python3 - "$UPSTREAM_PORT_FILE" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == "Bearer demo-secret-value"
        body = (b"upstream: the request carried the right API key\n" if ok
                else b"upstream: no valid API key\n")
        self.send_response(200 if ok else 401); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.handle_request()
PY
UPSTREAM_PID=$!
for _ in $(seq 1 50); do [[ -s $UPSTREAM_PORT_FILE ]] && break; sleep 0.1; done
printf '%s$ printf demo-secret-value | notme secret set demo-api%s\n' "$C" "$R"
printf demo-secret-value | notme secret set demo-api
show notme route add demo-api --upstream "http://127.0.0.1:$(cat "$UPSTREAM_PORT_FILE")" \
  --secret demo-api --inject 'Authorization: Bearer {secret}' --scope api:demo --allow-loopback
show notme run --agent demo-agent -- sh -c \
  'curl -sS --unix-socket "$NOTME_SOCKET" http://notme/r/demo-api/hello'
say "The agent never saw the key: its environment holds only a socket path."
wait "$UPSTREAM_PID" 2>/dev/null || true

step "7. Revoke"
say "Revocation is immediate: every live token of the agent stops working."
show notme revoke --agent demo-agent

step "8. The audit trail"
say "Every token, signature, refusal and change is recorded (notme audit --follow tails it)."
show notme audit

step "Done"
say "Stopping notmed and removing $DEMO — nothing is left running."
