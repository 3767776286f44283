"""git clone, fetch and push through the proxy, as an agent: real git, real `git http-backend`
behind a loopback HTTP server that accepts only the real secret (HTTP Basic), notmed with
--proxy-listen, `notme git setup --route` writing the rewrite, `notme run` as the agent, and
git-credential-notme on the agent's socket answering with a short-lived token. The agent
never sees the secret: not in its environment, git config, GIT_TRACE_CURL output (redacted
or not) or files under HOME. Runs under tests/keyring_harness/run so the human's helper has
a real Secret Service (a stored credential must never reach the agent)."""

import base64
import json
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, request  # noqa: E402

SECRET = "gitpat_only_the_daemon_knows_0123"
USER = "x-token-user"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class GitBackend(http.server.BaseHTTPRequestHandler):
    root = ""
    seen_bad_auth = 0

    def _cgi(self, method):
        want = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
        if self.headers.get("Authorization") != want:
            GitBackend.seen_bad_auth += 1
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                n = int(self.rfile.readline().strip(), 16)
                if n == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(n)
                self.rfile.readline()
        elif self.headers.get("Content-Length"):
            body = self.rfile.read(int(self.headers["Content-Length"]))
        env = {"GIT_PROJECT_ROOT": self.root, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
               "QUERY_STRING": query, "REQUEST_METHOD": method, "REMOTE_USER": USER,
               "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": self.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "PATH": "/usr/bin:/bin",
               "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
               "GIT_CONFIG_NOSYSTEM": "1", "HOME": self.root}
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            k, _, v = line.decode().partition(":")
            if k.lower() == "status":
                status = int(v.strip().split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self._cgi("GET")

    def do_POST(self):
        self._cgi("POST")

    def log_message(self, *a):
        pass


NOTME = os.environ.get("NOTME", "")
HELPER = os.environ.get("GIT_CREDENTIAL_NOTME", "")
STORED = "stored_password_for_the_human_only_42"


def run(argv, env, cwd=None, stdin=b"", check=False):
    return subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True, check=check,
                          timeout=60)


class ProxyGitTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="npg", dir="/tmp")
        self.repos = os.path.join(self.work, "repos")
        os.makedirs(self.repos)
        self.bare = os.path.join(self.repos, "r.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", self.bare], check=True)
        subprocess.run(["git", "-C", self.bare, "config", "http.receivepack", "true"], check=True)
        GitBackend.root = self.repos
        self.up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitBackend)
        threading.Thread(target=self.up.serve_forever, daemon=True).start()
        self.upstream = f"http://127.0.0.1:{self.up.server_address[1]}"
        self.port = free_port()
        self.d = Daemon(extra_args=["--proxy-listen", f"127.0.0.1:{self.port}"])
        self.proxy = f"http://127.0.0.1:{self.port}"
        home = self.d.home
        # The human's environment: the control socket (no NOTME_SOCKET), the shared HOME.
        self.env = {"HOME": home, "PATH": "/usr/bin:/bin", "NOTME_RUNTIME_DIR": self.d.runtime,
                    "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
                    "XDG_RUNTIME_DIR": self.d.env["XDG_RUNTIME_DIR"],
                    "XDG_CONFIG_HOME": self.d.config_home, "XDG_STATE_HOME": self.d.state_home,
                    "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
                    "GIT_COMMITTER_EMAIL": "a@x"}
        if "DBUS_SESSION_BUS_ADDRESS" in os.environ:
            self.env["DBUS_SESSION_BUS_ADDRESS"] = os.environ["DBUS_SESSION_BUS_ADDRESS"]

    def tearDown(self):
        self.d.stop()
        self.d.cleanup()
        self.up.shutdown()
        subprocess.run(["rm", "-rf", self.work])

    def add_route(self, d):
        r = request(d.control, "PUT", "/v1/secrets/gitpat", SECRET.encode(),
                    {"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 204, r)
        r = d.post_json("/v1/routes", {"name": "git", "secret": "gitpat", "basic_user": USER,
                                       "allow_loopback": True, "upstream": self.upstream})
        self.assertEqual(r.status, 201, r)

    def agent(self, *argv, extra=None, stdin=b"", cwd=None):
        """Runs argv as agent `coder` through `notme run` (its socket, git's helper list)."""
        env = dict(self.env, **(extra or {}))
        return run([NOTME, "run", "--agent", "coder", "--", *argv], env, cwd=cwd, stdin=stdin)

    def assert_no_secret(self, data, what):
        basic = base64.b64encode(f"{USER}:{SECRET}".encode())
        self.assertNotIn(SECRET.encode(), data, what)
        self.assertNotIn(basic, data, what)
        self.assertNotIn(STORED.encode(), data, what)

    def test_setup_errors_say_what_to_run(self):
        r = run([NOTME, "git", "setup", "--route", "nope"], self.env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(b"no route named nope", r.stderr)
        self.assertIn(b"notme route add nope", r.stderr)
        plain = Daemon()
        try:
            self.add_route(plain)
            env = dict(self.env, NOTME_RUNTIME_DIR=plain.runtime)
            r = run([NOTME, "git", "setup", "--route", "git"], env)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn(b"--proxy-listen 127.0.0.1:PORT", r.stderr)
        finally:
            plain.stop()
            plain.cleanup()

    def test_agent_clones_fetches_and_pushes_through_the_proxy(self):
        self.add_route(self.d)
        self.d.add_agent("coder", ["route:git"])
        prefix = f"{self.proxy}/r/git/"
        # Twice: idempotent (one rewrite, one reset + one helper).
        for _ in range(2):
            r = run([NOTME, "git", "setup", "--route", "git"], self.env)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = run([NOTME, "git", "setup", "--route", "git", "--json"], self.env)
        self.assertEqual(json.loads(r.stdout)["upstream"], self.upstream + "/")

        def get_all(key):
            out = run(["git", "config", "--global", "--get-all", key], self.env).stdout.decode()
            return out.split("\n")[:-1]

        self.assertEqual(get_all(f"url.{prefix}.insteadOf"), [self.upstream + "/"])
        self.assertEqual(get_all(f"credential.{self.proxy}.helper"), ["", HELPER])
        self.assertEqual(get_all(f"credential.{self.proxy}.usehttppath"), ["true"])

        # clone: the upstream URL is rewritten to the proxy; the trace is redacted by git.
        trace = os.path.join(self.work, "trace-clone")
        clone = os.path.join(self.work, "clone")
        res = self.agent("git", "clone", "-q", f"{self.upstream}/r.git", clone,
                         extra={"GIT_TRACE_CURL": trace})
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        with open(trace, "rb") as f:
            t = f.read()
        self.assertIn(f"/r/git/r.git/info/refs".encode(), t)  # it went through the proxy
        self.assert_no_secret(t, "clone trace")

        # fetch: a commit pushed upstream by someone else arrives.
        other = os.path.join(self.work, "other")
        subprocess.run(["git", "clone", "-q", self.bare, other], check=True, env=self.env)
        with open(os.path.join(other, "up.txt"), "w") as f:
            f.write("upstream\n")
        run(["git", "add", "up.txt"], self.env, cwd=other, check=True)
        run(["git", "commit", "-qm", "from-upstream"], self.env, cwd=other, check=True)
        run(["git", "push", "-q", "origin", "HEAD:main"], self.env, cwd=other, check=True)
        res = self.agent("git", "fetch", "-q", "origin", cwd=clone)
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        log = run(["git", "log", "--oneline", "origin/main"], self.env, cwd=clone).stdout
        self.assertIn(b"from-upstream", log)

        # push, with an unredacted trace: the token shows, the secret never does.
        run(["git", "checkout", "-q", "-B", "main", "origin/main"], self.env, cwd=clone, check=True)
        with open(os.path.join(clone, "f.txt"), "w") as f:
            f.write("hello\n")
        run(["git", "add", "f.txt"], self.env, cwd=clone, check=True)
        run(["git", "-c", "commit.gpgsign=false", "commit", "-qm", "by-agent"], self.env, cwd=clone,
            check=True)
        trace = os.path.join(self.work, "trace-push")
        res = self.agent("git", "push", "-q", "origin", "HEAD:main", cwd=clone,
                         extra={"GIT_TRACE_CURL": trace, "GIT_TRACE_REDACT": "0"})
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        with open(trace, "rb") as f:
            t = f.read()
        self.assertIn(b"Authorization: Basic", t)
        self.assert_no_secret(t, "unredacted push trace")
        log = run(["git", "--git-dir", self.bare, "log", "--oneline", "main"], self.env).stdout
        self.assertIn(b"by-agent", log)

        # The agent's environment and git config hold no secret.
        self.assert_no_secret(self.agent("env").stdout, "agent env")
        cfg = self.agent("git", "config", "--list", "--show-origin", cwd=clone)
        self.assertEqual(cfg.returncode, 0)
        self.assert_no_secret(cfg.stdout, "agent git config")

        # A credential the human stored for the proxy URL in the keyring (their helper,
        # control socket) is never what the agent's helper answers.
        desc = f"protocol=http\nhost=127.0.0.1:{self.port}\npath=r/git/r.git\n"
        r = run(["git", "credential", "approve"], self.env,
                stdin=(desc + f"username={USER}\npassword={STORED}\n\n").encode())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = run([HELPER, "get"], self.env, stdin=(desc + "\n").encode())
        self.assertIn(f"password={STORED}".encode(), r.stdout)  # the human gets it back
        r = self.agent("git", "credential", "fill", stdin=(desc + "\n").encode())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_no_secret(r.stdout, "agent's fill")
        answer = dict(line.split("=", 1) for line in r.stdout.decode().splitlines())
        self.assertEqual(answer["username"], "x-access-token")
        token = answer["password"]
        self.assertEqual(token.count("."), 2)  # a JWS access token
        # For a host that is not the proxy the agent's helper says nothing, even when the
        # human stored a credential for it.
        other_desc = "protocol=https\nhost=git.example.test\n"
        run(["git", "-c", f"credential.helper={HELPER}", "credential", "approve"], self.env,
            stdin=(other_desc + f"username=u\npassword={STORED}\n\n").encode())
        r = self.agent(HELPER, "get", stdin=(other_desc + "\n").encode())
        self.assertEqual(r.stdout, b"")

        # Files under HOME and the audit log hold no secret.
        for root, _, files in os.walk(self.d.home):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assert_no_secret(f.read(), os.path.join(root, name))
        with open(os.path.join(self.d.state_dir, "audit.log"), "rb") as f:
            self.assert_no_secret(f.read(), "audit log")

        # Without a token the listener refuses; Basic works for git requests only.
        info_refs = f"{self.proxy}/r/git/r.git/info/refs?service=git-upload-pack"
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", info_refs],
                           capture_output=True)
        self.assertEqual(r.stdout, b"401")

        # The agent is removed: its token dies and its helper says why git gets no password.
        r = request(self.d.control, "DELETE", "/v1/agents/coder")
        self.assertIn(r.status, (200, 204), r)
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u",
                            f"x-access-token:{token}", info_refs], capture_output=True)
        self.assertEqual(r.stdout, b"401")
        agent_env = dict(self.env, NOTME_SOCKET=self.d.agent_socket("coder"))
        res = run(["git", "push", "-q", "origin", "HEAD:refs/heads/after"], agent_env, cwd=clone)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(b"git-credential-notme: no token for route git", res.stderr)
        self.assertNotIn(b"after", run(["git", "--git-dir", self.bare, "branch"], self.env).stdout)

        r = run([NOTME, "git", "setup", "--route", "git", "--unset"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(get_all(f"url.{prefix}.insteadOf"), [])
        self.assertEqual(get_all(f"credential.{self.proxy}.helper"), [])


if __name__ == "__main__":
    unittest.main()
