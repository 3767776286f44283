"""git clone and push through the proxy, as an agent: real git, real `git http-backend`
behind a loopback HTTP server that accepts only the real secret (HTTP Basic), notmed with
--proxy-listen, and git-credential-notme on the agent's socket answering with a short-lived
token. The agent never sees the secret."""

import base64
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


class ProxyGitTest(unittest.TestCase):
    def test_agent_clones_and_pushes_through_the_proxy(self):
        work = tempfile.mkdtemp(prefix="npg", dir="/tmp")
        repos = os.path.join(work, "repos")
        os.makedirs(repos)
        subprocess.run(["git", "init", "-q", "--bare", os.path.join(repos, "r.git")], check=True)
        subprocess.run(["git", "-C", os.path.join(repos, "r.git"), "config", "http.receivepack", "true"],
                       check=True)
        GitBackend.root = repos
        up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitBackend)
        threading.Thread(target=up.serve_forever, daemon=True).start()
        port = free_port()
        d = Daemon(extra_args=["--proxy-listen", f"127.0.0.1:{port}"])
        try:
            r = request(d.control, "PUT", "/v1/secrets/gitpat", SECRET.encode(),
                        {"Content-Type": "application/octet-stream"})
            self.assertEqual(r.status, 204, r)
            r = d.post_json("/v1/routes", {"name": "git", "secret": "gitpat", "basic_user": USER,
                                           "allow_loopback": True,
                                           "upstream": f"http://127.0.0.1:{up.server_address[1]}"})
            self.assertEqual(r.status, 201, r)
            d.add_agent("coder", ["route:git"])
            home = os.path.join(work, "agenthome")
            os.makedirs(home)
            env = {"HOME": home, "PATH": os.path.dirname(os.environ["GIT_CREDENTIAL_NOTME"]) + ":/usr/bin:/bin",
                   "NOTME_SOCKET": d.agent_socket("coder"), "NOTME_RUNTIME_DIR": d.runtime, "GIT_TERMINAL_PROMPT": "0",
                   "GIT_CONFIG_NOSYSTEM": "1", "XDG_RUNTIME_DIR": d.env["XDG_RUNTIME_DIR"],
                   "XDG_CONFIG_HOME": d.config_home, "XDG_STATE_HOME": d.state_home,
                   "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
                   "GIT_COMMITTER_EMAIL": "a@x"}
            proxy = f"http://127.0.0.1:{port}"

            def git(*args, cwd=None, check=True):
                return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=check,
                                      timeout=60)

            git("config", "--global", f"url.{proxy}/r/git/.insteadOf", "https://git.example.test/")
            git("config", "--global", f"credential.{proxy}.helper", "notme")
            git("config", "--global", f"credential.{proxy}.useHttpPath", "true")
            clone = os.path.join(work, "clone")
            res = git("clone", "-q", "https://git.example.test/r.git", clone, check=False)
            self.assertEqual(res.returncode, 0, res.stderr.decode())
            with open(os.path.join(clone, "f.txt"), "w") as f:
                f.write("hello\n")
            git("add", "f.txt", cwd=clone)
            git("commit", "-qm", "first", cwd=clone)
            res = git("push", "-q", "origin", "HEAD:main", cwd=clone, check=False)
            self.assertEqual(res.returncode, 0, res.stderr.decode())
            log = subprocess.run(["git", "--git-dir", os.path.join(repos, "r.git"), "log", "--oneline", "main"],
                                 capture_output=True, check=True).stdout
            self.assertIn(b"first", log)
            # The agent's git config and everything it printed hold no secret.
            for root, _, files in os.walk(home):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        self.assertNotIn(SECRET.encode(), f.read())
            # Without a token the listener refuses; Basic works for git requests only.
            r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                f"{proxy}/r/git/r.git/info/refs?service=git-upload-pack"],
                               capture_output=True)
            self.assertEqual(r.stdout, b"401")
            with open(os.path.join(d.state_dir, "audit.log")) as f:
                self.assertNotIn(SECRET, f.read())
        finally:
            d.stop()
            d.cleanup()
            up.shutdown()
            subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    unittest.main()
