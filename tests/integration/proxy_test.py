"""notmed's secretless proxy end to end: the real daemon (ephemeral keyring), a real
loopback upstream that accepts only the real secret, the control socket (the human) and
agent sockets (scope checks), management endpoints control-only, hostile requests, and
the audit log free of the secret."""

import http.server
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, ProofKey, request, raw_request  # noqa: E402

SECRET = "ghp_realSecretValue_0123456789"


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stolen = 0

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self):
        return self.headers.get("Authorization") == "Bearer " + SECRET

    def do_GET(self):
        if self.path.startswith("/steal"):
            Upstream.stolen += 1
            return self._send(200, b"stolen")
        if self.path.startswith("/api/echo"):
            dump = "".join(f"{k}: {v}\n" for k, v in self.headers.items()).encode()
            return self._send(200, dump, [("X-Echo", self.headers.get("Authorization", "")),
                                          ("Set-Cookie", "s=1")])
        if self.path.startswith("/api/redirect"):
            port = self.server.server_address[1]
            return self._send(302, b"", [("Location", f"http://127.0.0.1:{port}/steal")])
        if not self._authorized():
            return self._send(401, b"no")
        self._send(200, ("ok " + self.path).encode(), [("Content-Type", "text/plain")])

    def do_POST(self):
        if not self._authorized():
            return self._send(401, b"no")
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        self._send(200, f"got {len(data)}".encode())

    def log_message(self, *args):
        pass


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        cls.up_port = cls.up.server_address[1]
        threading.Thread(target=cls.up.serve_forever, daemon=True).start()
        cls.d = Daemon()
        r = request(cls.d.control, "PUT", "/v1/secrets/gh", SECRET.encode(),
                    {"Content-Type": "application/octet-stream"})
        assert r.status == 204, r
        r = cls.d.post_json("/v1/routes", {"name": "api", "secret": "gh", "allow_loopback": True,
                                           "upstream": f"http://127.0.0.1:{cls.up_port}/api"})
        assert r.status == 201, r
        r = cls.d.post_json("/v1/routes", {"name": "root", "secret": "gh", "allow_loopback": True,
                                           "upstream": f"http://127.0.0.1:{cls.up_port}"})
        assert r.status == 201, r
        cls.d.add_agent("good", ["route:api"])
        cls.d.add_agent("other", ["something:else"])

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.up.shutdown()
        cls.d.cleanup()

    def test_human_on_control_socket_reaches_the_upstream_with_the_secret(self):
        r = self.d.get("/r/api/hello?x=1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"ok /api/hello?x=1")

    def test_agent_with_the_route_scope_is_forwarded(self):
        r = self.d.get("/r/api/hello", sock=self.d.agent_socket("good"))
        self.assertEqual(r.status, 200, r)

    def test_agent_without_the_scope_is_refused(self):
        r = self.d.get("/r/api/hello", sock=self.d.agent_socket("other"))
        self.assertEqual(r.status, 403, r)
        r = self.d.get("/r/root/steal", sock=self.d.agent_socket("good"))
        self.assertEqual(r.status, 403, r)

    def test_agent_socket_cannot_manage_secrets_or_routes(self):
        sock = self.d.agent_socket("good")
        self.assertEqual(self.d.get("/v1/secrets", sock=sock).status, 403)
        self.assertEqual(self.d.get("/v1/routes", sock=sock).status, 403)
        r = request(sock, "PUT", "/v1/secrets/x", b"v", {"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 403)
        r = self.d.post_json("/v1/routes", {"name": "evil", "secret": "gh", "allow_loopback": True,
                                            "upstream": "http://127.0.0.1:1"}, sock=sock)
        self.assertEqual(r.status, 403)

    def test_secret_list_shows_names_never_values(self):
        r = self.d.get("/v1/secrets")
        self.assertEqual(r.status, 200)
        self.assertIn(b'"gh"', r.body)
        self.assertNotIn(SECRET.encode(), r.body)
        self.assertNotIn(SECRET.encode(), self.d.get("/v1/routes").body)

    def test_client_authorization_is_replaced_and_echo_does_not_leak_in_headers(self):
        r = request(self.d.control, "GET", "/r/api/echo",
                    headers={"Authorization": "Bearer fake", "Cookie": "c=1", "DPoP": "x"})
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("X-Echo"))
        self.assertIsNone(r.header("Set-Cookie"))
        self.assertNotIn(b"fake", r.body)
        self.assertNotIn(b"c=1", r.body)

    def test_redirect_to_another_path_is_not_followed(self):
        before = Upstream.stolen
        r = self.d.get("/r/api/redirect")
        self.assertEqual(r.status, 302)
        self.assertEqual(Upstream.stolen, before)

    def test_traversal_is_refused(self):
        for p in ["/r/api/%2e%2e/steal", "/r/api/..%2Fsteal", "/r/api/%252e%252e/steal",
                  "/r/api/..;/steal", "/r/api/a/../../steal"]:
            r = self.d.get(p)
            self.assertIn(r.status, (400, 403, 404), p)
        self.assertEqual(Upstream.stolen, 0)

    def test_header_smuggling_is_refused(self):
        for raw in [
            b"GET /r/api/hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            b"POST /r/api/hello HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"POST /r/api/hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        ]:
            out = raw_request(self.d.control, raw)
            status = int(out.split(b" ", 2)[1]) if out else 0
            self.assertTrue(400 <= status < 500 or status == 0, (raw, out[:200]))

    def test_post_body_is_forwarded(self):
        r = request(self.d.control, "POST", "/r/api/upload", b"x" * 100000,
                    {"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"got 100000")

    def test_routes_survive_a_restart_and_route_removal_works(self):
        with open(os.path.join(self.d.config_dir, "routes.json")) as f:
            text = f.read()
        self.assertNotIn(SECRET, text)
        self.assertIn('"secret": "gh"', text)
        r = self.d.post_json("/v1/routes", {"name": "tmp", "secret": "gh",
                                            "upstream": "https://example.com"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(request(self.d.control, "DELETE", "/v1/routes/tmp").status, 204)
        self.assertEqual(request(self.d.control, "DELETE", "/v1/routes/tmp").status, 404)

    def test_invalid_routes_are_refused(self):
        for spec in [{"name": "x", "secret": "gh", "upstream": "http://example.com"},
                     {"name": "x", "secret": "gh", "upstream": "https://e.com", "inject": "X: a\r\nY: {secret}"},
                     {"name": "x", "secret": "gh", "upstream": "https://e.com", "extra": 1},
                     {"name": "X!", "secret": "gh", "upstream": "https://e.com"}]:
            self.assertEqual(self.d.post_json("/v1/routes", spec).status, 400, spec)

    def notme(self, *args, stdin=b""):
        import subprocess
        env = dict(self.d.env, NOTME_SOCKET=self.d.control)
        return subprocess.run([os.environ["NOTME"], *args], input=stdin, env=env,
                              capture_output=True, timeout=20)

    @unittest.skipUnless(os.environ.get("NOTME"), "NOTME (the CLI) not given")
    def test_cli_secret_and_route_commands(self):
        r = self.notme("secret", "set", "cli-secret", stdin=b"value-from-stdin\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.notme("secret", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"cli-secret", r.stdout)
        self.assertNotIn(b"value-from-stdin", r.stdout + r.stderr)
        r = self.notme("route", "add", "cli", "--upstream", f"http://127.0.0.1:{self.up_port}/api",
                       "--secret", "gh", "--allow-loopback", "--allow-method", "GET",
                       "--allow-path", "/hello", "--scope", "cli:use")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.d.get("/r/cli/hello").status, 200)
        self.assertEqual(self.d.get("/r/cli/other").status, 403)
        r = self.notme("route", "list", "--json")
        self.assertIn(b'"cli"', r.stdout)
        r = self.notme("route", "add", "bad", "--upstream", "http://example.com", "--secret", "gh")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.notme("route", "rm", "cli").returncode, 0)
        self.assertEqual(self.notme("secret", "rm", "cli-secret").returncode, 0)
        self.assertNotEqual(self.notme("secret", "rm", "cli-secret").returncode, 0)
        self.assertNotEqual(self.notme("secret", "set", "empty", stdin=b"").returncode, 0)

    def test_zz_audit_records_requests_without_the_secret(self):
        self.d.get("/r/api/hello")
        with open(os.path.join(self.d.state_dir, "audit.log")) as f:
            text = f.read()
        self.assertNotIn(SECRET, text)
        events = [json.loads(line) for line in text.splitlines() if line.strip()]
        proxied = [e for e in events if e.get("event") == "proxy.request"]
        self.assertTrue(proxied)
        e = proxied[-1]
        for k in ("route", "method", "path", "status", "request_bytes", "response_bytes", "duration_ms"):
            self.assertIn(k, e)
        self.assertNotIn(SECRET, self.d.log())


class LoopbackAndReloadTest(unittest.TestCase):
    """--proxy-listen with an ephemeral port (DPoP htu names the bound port) and routes.json
    reloaded on SIGHUP (a broken file keeps the routes in effect)."""

    @classmethod
    def setUpClass(cls):
        cls.up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        cls.up_port = cls.up.server_address[1]
        threading.Thread(target=cls.up.serve_forever, daemon=True).start()
        cls.d = Daemon(["--proxy-listen", "127.0.0.1:0"])
        m = None
        for _ in range(250):
            m = re.search(r"proxy listener on 127\.0\.0\.1:(\d+)", cls.d.log())
            if m:
                break
            threading.Event().wait(0.02)
        assert m, cls.d.log()
        cls.port = int(m.group(1))
        r = request(cls.d.control, "PUT", "/v1/secrets/gh", SECRET.encode(),
                    {"Content-Type": "application/octet-stream"})
        assert r.status == 204, r
        r = cls.d.post_json("/v1/routes", {"name": "api", "secret": "gh", "allow_loopback": True,
                                           "upstream": f"http://127.0.0.1:{cls.up_port}/api"})
        assert r.status == 201, r
        cls.d.add_agent("loop", ["route:api"])

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.up.shutdown()
        cls.d.cleanup()

    def loopback_get(self, path, htu):
        key = ProofKey()
        r = self.d.mint(key=key, client_id="loop", scope="route:api")
        self.assertEqual(r.status, 200, r)
        token = r.json()["access_token"]
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path, headers={
            "Authorization": "DPoP " + token,
            "DPoP": key.proof(htm="GET", htu=htu, access_token=token)})
        resp = c.getresponse()
        body = resp.read()
        c.close()
        return resp.status, body

    def test_dpop_proof_naming_the_bound_port_is_accepted(self):
        status, body = self.loopback_get("/r/api/hello", f"http://127.0.0.1:{self.port}/r/api/hello")
        self.assertEqual(status, 200, body)
        self.assertEqual(body, b"ok /api/hello")

    def test_dpop_proof_naming_port_zero_is_refused(self):
        status, _ = self.loopback_get("/r/api/hello", "http://127.0.0.1:0/r/api/hello")
        self.assertEqual(status, 401)

    def test_replayed_dpop_proof_is_401_not_a_gateway_error(self):
        key = ProofKey()
        r = self.d.mint(key=key, client_id="loop", scope="route:api")
        self.assertEqual(r.status, 200, r)
        token = r.json()["access_token"]
        htu = f"http://127.0.0.1:{self.port}/r/api/hello"
        headers = {"Authorization": "DPoP " + token,
                   "DPoP": key.proof(htm="GET", htu=htu, access_token=token)}
        statuses = []
        for _ in range(2):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            c.request("GET", "/r/api/hello", headers=headers)
            resp = c.getresponse()
            statuses.append((resp.status, resp.getheader("WWW-Authenticate"), resp.read()))
            c.close()
        self.assertEqual(statuses[0][0], 200, statuses)
        self.assertEqual(statuses[1][0], 401, statuses)
        self.assertIn("DPoP", statuses[1][1] or "")
        self.assertIn(b"invalid_dpop_proof", statuses[1][2])

    def test_status_and_idjag_issuer_name_the_bound_port_not_zero(self):
        r = self.d.get("/v1/status")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["proxy_url"], f"http://127.0.0.1:{self.port}")
        r = self.d.get("/.well-known/oauth-authorization-server/idjag")
        if r.status == 200:  # the ID-JAG provider needs a keyring that holds its key
            self.assertEqual(r.json()["issuer"], f"http://127.0.0.1:{self.port}/idjag")

    def write_routes(self, text):
        path = os.path.join(self.d.config_dir, "routes.json")
        tmp = path + ".test"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.rename(tmp, path)

    def wait_for(self, predicate):
        for _ in range(250):
            if predicate():
                return True
            threading.Event().wait(0.02)
        return False

    def test_sighup_reloads_routes_and_a_broken_file_keeps_them(self):
        path = os.path.join(self.d.config_dir, "routes.json")
        with open(path) as f:
            doc = json.load(f)
        api = next(r for r in doc["routes"] if r["name"] == "api")
        hup = dict(api, name="hup", scope="route:hup")
        doc["routes"].append(hup)
        self.assertEqual(self.d.get("/r/hup/hello").status, 404)
        self.write_routes(json.dumps(doc))
        self.d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: self.d.get("/r/hup/hello").status == 200), self.d.log())
        self.assertEqual(self.d.get("/r/hup/hello").body, b"ok /api/hello")

        self.write_routes('{"version":1,"routes":[{"name":')
        self.d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: "routes reload failed" in self.d.log()), self.d.log())
        self.assertEqual(self.d.get("/r/hup/hello").status, 200)
        self.assertEqual(self.d.get("/r/api/hello").status, 200)

        doc["routes"] = [r for r in doc["routes"] if r["name"] != "hup"]
        self.write_routes(json.dumps(doc))
        self.d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: self.d.get("/r/hup/hello").status == 404), self.d.log())
        self.assertEqual(self.d.get("/r/api/hello").status, 200)


if __name__ == "__main__":
    unittest.main()
