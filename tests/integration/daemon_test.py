#!/usr/bin/python3
"""Integration tests of notmed (issue 3 item 10): the real daemon on a temporary runtime
dir, clients as users have them (jwcrypto for DPoP proofs and token verification, HTTP/1.1
over AF_UNIX). Run: NOTMED=build/daemon/notmed /usr/bin/python3 daemon_test.py"""

import json
import os
import pwd
import re
import signal
import socket
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (FORM_HEADERS, ISSUER, TOKEN_ENDPOINT, Daemon, ProofKey, form,  # noqa: E402
                            hs256_proof, raw_request, request, unsigned_proof)

AUD = "https://api.example.com/"


def open_fd_targets(pid):
    """What the daemon's open fds point at; an fd closed between listing and reading is skipped."""
    targets = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            targets.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except FileNotFoundError:
            pass
    return targets


class TokenEndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.d.add_agent("bot", ["repo:read", "git:sign"], [AUD])
        cls.d.add_agent("other", ["repo:read"], [])

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def assertOAuthError(self, r, status, error):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertEqual(body["error"], error, r)
        self.assertEqual(r.header("Cache-Control"), "no-store")

    def test_metadata_advertises_the_token_endpoint_and_dpop_algs(self):
        m = self.d.get("/.well-known/oauth-authorization-server").json()
        self.assertEqual(m["issuer"], ISSUER)
        self.assertEqual(m["token_endpoint"], TOKEN_ENDPOINT)
        self.assertEqual(m["jwks_uri"], ISSUER + "/.well-known/jwks.json")
        self.assertEqual(m["introspection_endpoint"], ISSUER + "/introspect")
        self.assertEqual(m["revocation_endpoint"], ISSUER + "/revoke")
        self.assertEqual(m["grant_types_supported"], ["client_credentials"])
        self.assertIn("EdDSA", m["dpop_signing_alg_values_supported"])
        self.assertIn("ES256", m["dpop_signing_alg_values_supported"])
        self.assertIn("git:sign", m["scopes_supported"])

    def test_jwks_holds_only_public_ed25519_keys(self):
        keys = self.d.get("/.well-known/jwks.json").json()["keys"]
        self.assertGreaterEqual(len(keys), 1)
        for k in keys:
            self.assertEqual((k["kty"], k["crv"], k["alg"], k["use"]), ("OKP", "Ed25519", "EdDSA", "sig"))
            self.assertNotIn("d", k)
            self.assertRegex(k["kid"], r"^[0-9a-f]{32}$")

    def check_token(self, r, key, agent, scope, aud):
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["token_type"], "DPoP")
        self.assertEqual(body["expires_in"], 300)
        self.assertEqual(body["scope"], scope)
        self.assertNotIn("refresh_token", body)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        header, claims = self.d.verify(body["access_token"])
        self.assertEqual(header["typ"], "at+jwt")
        self.assertEqual(header["alg"], "EdDSA")
        self.assertEqual(claims["client_id"], agent)
        self.assertEqual(claims["sub"], "tester@example.test")
        self.assertEqual(claims["scope"], scope)
        self.assertEqual(claims["aud"], aud)
        self.assertEqual(claims["exp"], claims["iat"] + 300)
        self.assertEqual(claims["cnf"]["jkt"], key.thumbprint())
        return body["access_token"], claims

    def test_eddsa_proof_from_jwcrypto_gets_a_token_jwcrypto_verifies(self):
        key = ProofKey("EdDSA")
        r = self.d.mint(key, client_id="bot", scope="repo:read", resource=AUD)
        self.check_token(r, key, "bot", "repo:read", AUD)

    def test_es256_proof_from_jwcrypto_gets_a_token(self):
        key = ProofKey("ES256")
        r = self.d.mint(key, client_id="bot", scope="git:sign")
        self.check_token(r, key, "bot", "git:sign", ISSUER)

    def test_agent_socket_implies_the_client(self):
        key = ProofKey()
        r = self.d.mint(key, sock=self.d.agent_socket("bot"), scope="repo:read")
        self.check_token(r, key, "bot", "repo:read", ISSUER)

    def test_replayed_proof_is_refused(self):
        key = ProofKey()
        proof = key.proof()
        self.assertEqual(self.d.mint(key, proof=proof, client_id="bot").status, 200)
        self.assertOAuthError(self.d.mint(key, proof=proof, client_id="bot"), 400, "invalid_dpop_proof")

    def test_wrong_htu_is_refused(self):
        key = ProofKey()
        for htu in ["http://notme.localhost/other", "https://notme.localhost/token",
                    "http://evil.example/token"]:
            self.assertOAuthError(self.d.mint(key, proof=key.proof(htu=htu), client_id="bot"),
                                  400, "invalid_dpop_proof")

    def test_wrong_htm_is_refused(self):
        key = ProofKey()
        self.assertOAuthError(self.d.mint(key, proof=key.proof(htm="GET"), client_id="bot"),
                              400, "invalid_dpop_proof")

    def test_stale_and_future_iat_are_refused(self):
        key = ProofKey()
        now = int(time.time())
        for iat in [now - 600, now + 600]:
            self.assertOAuthError(self.d.mint(key, proof=key.proof(iat=iat), client_id="bot"),
                                  400, "invalid_dpop_proof")

    def test_alg_none_is_refused(self):
        self.assertOAuthError(self.d.mint(proof=unsigned_proof(), client_id="bot"), 400,
                              "invalid_dpop_proof")

    def test_hs256_is_refused(self):
        self.assertOAuthError(self.d.mint(proof=hs256_proof(), client_id="bot"), 400,
                              "invalid_dpop_proof")

    def test_private_jwk_in_the_proof_is_refused(self):
        key = ProofKey()
        private = json.loads(key.key.export_private())
        self.assertOAuthError(self.d.mint(key, proof=key.proof(jwk_member=private), client_id="bot"),
                              400, "invalid_dpop_proof")

    def test_missing_or_duplicated_dpop_header_is_refused(self):
        key = ProofKey()
        self.assertOAuthError(self.d.mint(key, dpop_headers=[], client_id="bot"), 400, "invalid_dpop_proof")
        self.assertOAuthError(self.d.mint(key, dpop_headers=[key.proof(), key.proof()], client_id="bot"),
                              400, "invalid_dpop_proof")

    def test_scope_escalation_is_refused(self):
        self.assertOAuthError(self.d.mint(client_id="other", scope="git:sign"), 400, "invalid_scope")
        self.assertOAuthError(self.d.mint(client_id="bot", scope="repo:read admin"), 400, "invalid_scope")

    def test_unknown_agent_is_refused(self):
        self.assertOAuthError(self.d.mint(client_id="nobody"), 401, "invalid_client")

    def test_removed_agent_is_refused_and_its_socket_removed(self):
        self.d.add_agent("temp", ["repo:read"])
        sock = self.d.agent_socket("temp")
        self.assertTrue(stat.S_ISSOCK(os.lstat(sock).st_mode))
        tok = self.d.mint(sock=sock, scope="repo:read").json()["access_token"]
        self.assertEqual(request(self.d.control, "DELETE", "/v1/agents/temp").status, 204)
        self.assertFalse(os.path.exists(sock))
        self.assertOAuthError(self.d.mint(client_id="temp"), 401, "invalid_client")
        self.assertEqual(self.d.introspect(tok).json(), {"active": False})

    def test_audience_outside_the_allow_list_is_refused(self):
        self.assertOAuthError(self.d.mint(client_id="bot", resource="https://evil.example/"),
                              400, "invalid_target")

    def test_agent_socket_cannot_ask_for_another_agent(self):
        r = self.d.mint(sock=self.d.agent_socket("bot"), client_id="other")
        self.assertOAuthError(r, 401, "invalid_client")

    def test_agent_socket_cannot_reach_management(self):
        sock = self.d.agent_socket("bot")
        for method, path in [("GET", "/v1/status"), ("GET", "/v1/agents"), ("POST", "/v1/revoke"),
                             ("DELETE", "/v1/agents/other"), ("GET", "/v1/audit"),
                             ("PUT", "/v1/secrets/x"), ("GET", "/v1/routes")]:
            r = request(sock, method, path, b"{}" if method in ("POST", "PUT") else None,
                        {"Content-Type": "application/json"})
            self.assertEqual(r.status, 403, (method, path, r))
            self.assertEqual(r.json()["error"], "permission_denied")
        self.assertEqual(request(self.d.control, "GET", "/v1/agents/other").status, 200)

    def test_control_socket_requires_client_id(self):
        self.assertOAuthError(self.d.mint(), 400, "invalid_request")

    def test_other_grant_types_are_refused(self):
        r = request(self.d.control, "POST", "/token", form(grant_type="password", client_id="bot"),
                    [("Content-Type", "application/x-www-form-urlencoded"), ("DPoP", ProofKey().proof())])
        self.assertOAuthError(r, 400, "unsupported_grant_type")

    def test_malformed_forms_get_invalid_request(self):
        key = ProofKey()
        bodies = [b"grant_type=client_credentials&client_id=bot&client_id=bot",
                  b"grant_type=client_credentials&client_id=b%ZZ",
                  b"grant_type=client_credentials&client_id=\xff\xfe",
                  b"grant_type=client_credentials&client_id=%C3%28",
                  b"grant_type=client_credentials&&client_id=bot",
                  b"grant_type"]
        for body in bodies:
            r = request(self.d.control, "POST", "/token", body,
                        [("Content-Type", "application/x-www-form-urlencoded"), ("DPoP", key.proof())])
            self.assertOAuthError(r, 400, "invalid_request")
        r = request(self.d.control, "POST", "/token", b"{}",
                    [("Content-Type", "application/json"), ("DPoP", key.proof())])
        self.assertOAuthError(r, 400, "invalid_request")

    def test_oversized_body_and_headers_are_refused(self):
        # The answer comes before the body is read (and the connection closes).
        resp = raw_request(self.d.control, b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           b"application/x-www-form-urlencoded\r\nContent-Length: 70000\r\n\r\n"
                           + b"a=" + b"x" * 1000)
        self.assertTrue(resp.startswith(b"HTTP/1.1 413"), resp[:100])
        raw = b"GET /v1/status HTTP/1.1\r\nHost: x\r\n" + b"".join(
            b"X-%d: %s\r\n" % (i, b"y" * 100) for i in range(400)) + b"\r\n"
        resp = raw_request(self.d.control, raw)
        self.assertTrue(resp.startswith(b"HTTP/1.1 4"), resp[:100])
        r = request(self.d.control, "GET", "/" + "a" * 9000)
        self.assertIn(r.status, (400, 414))
        # Just under httplib's request-line limit: parsed (std::regex) without harm.
        self.assertEqual(request(self.d.control, "GET", "/" + "a" * 8100).status, 404)
        self.assertEqual(request(self.d.control, "GET", "/x?" + "a=b&" * 2000).status, 404)

    def test_deep_json_is_refused(self):
        body = b'{"name":' + b"[" * 100000 + b"]" * 100000 + b"}"
        r = request(self.d.control, "POST", "/v1/agents", body[:60000], {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], "invalid_request")

    def test_invalid_utf8_json_is_refused(self):
        r = request(self.d.control, "POST", "/v1/agents", b'{"name":"\xff"}',
                    {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)

    def test_garbage_never_crashes_the_daemon(self):
        for data in [b"\x00\x01\x02\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"POST /token HTTP/1.1\r\n"
                     b"Content-Length: -5\r\n\r\n", b"\xff" * 5000 + b"\r\n\r\n",
                     b"POST /token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\n"]:
            raw_request(self.d.control, data, timeout=3)
        self.assertEqual(self.d.get("/.well-known/jwks.json").status, 200)
        self.assertIsNone(self.d.proc.poll())

    def test_revoked_token_is_inactive_immediately(self):
        tok = self.d.mint(client_id="bot", scope="repo:read").json()["access_token"]
        self.assertTrue(self.d.introspect(tok).json()["active"])
        jti = self.d.verify(tok)[1]["jti"]
        r = self.d.post_json("/v1/revoke", {"jti": jti})
        self.assertEqual(r.json(), {"revoked": 1})
        self.assertEqual(self.d.introspect(tok).json(), {"active": False})

    def test_rfc7009_revoke_answers_200_and_kills_the_token(self):
        tok = self.d.mint(client_id="bot").json()["access_token"]
        r = request(self.d.control, "POST", "/revoke", form(token=tok), FORM_HEADERS)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.d.introspect(tok).json(), {"active": False})
        r = request(self.d.control, "POST", "/revoke", form(token="garbage"), FORM_HEADERS)
        self.assertEqual(r.status, 200)

    def test_agent_cannot_introspect_or_revoke_another_agents_token(self):
        tok = self.d.mint(client_id="other").json()["access_token"]
        self.assertEqual(self.d.introspect(tok, sock=self.d.agent_socket("bot")).json(), {"active": False})
        request(self.d.agent_socket("bot"), "POST", "/revoke", form(token=tok), FORM_HEADERS)
        self.assertTrue(self.d.introspect(tok).json()["active"])

    def test_audit_records_mints_and_refusals_without_token_values(self):
        tok = self.d.mint(client_id="bot").json()["access_token"]
        self.d.mint(client_id="nobody")
        entries = self.d.get("/v1/audit?limit=1000").json()["entries"]
        events = {e["event"] for e in entries}
        self.assertIn("token.minted", events)
        self.assertIn("token.refused", events)
        for e in entries:
            if "peer" in e:
                self.assertEqual(e["peer"]["uid"], os.getuid())
        with open(os.path.join(self.d.state_dir, "audit.log")) as f:
            text = f.read()
        self.assertNotIn(tok, text)
        self.assertNotIn(tok.split(".")[2], text)


class RevokeAllTest(unittest.TestCase):
    def test_token_after_revoke_all_no_longer_verifies(self):
        d = Daemon()
        try:
            d.add_agent("bot", ["repo:read"])
            tok = d.mint(client_id="bot").json()["access_token"]
            old_kid = json.loads(__import__("base64").urlsafe_b64decode(tok.split(".")[0] + "==")).get("kid")
            d.verify(tok)
            r = d.post_json("/v1/revoke", {"all": True})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(d.introspect(tok).json(), {"active": False})
            kids = [k["kid"] for k in d.get("/.well-known/jwks.json").json()["keys"]]
            self.assertNotIn(old_kid, kids)
            with self.assertRaises(Exception):
                d.verify(tok)
            fresh = d.mint(client_id="bot").json()["access_token"]
            d.verify(fresh)
        finally:
            d.cleanup()


class NonceTest(unittest.TestCase):
    def test_use_dpop_nonce_flow(self):
        d = Daemon(["--require-dpop-nonce"])
        try:
            d.add_agent("bot", ["repo:read"])
            key = ProofKey()
            r = d.mint(key, client_id="bot")
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json()["error"], "use_dpop_nonce")
            nonce = r.header("DPoP-Nonce")
            self.assertTrue(nonce)
            r = d.mint(key, proof=key.proof(nonce="wrong"), client_id="bot")
            self.assertEqual(r.json()["error"], "use_dpop_nonce")
            r = d.mint(key, proof=key.proof(nonce=nonce), client_id="bot")
            self.assertEqual(r.status, 200, r)
        finally:
            d.cleanup()


class LifecycleTest(unittest.TestCase):
    def test_sockets_are_0600_and_sigterm_removes_them(self):
        d = Daemon()
        try:
            d.add_agent("bot", ["repo:read"])
            for s in [d.control, d.agent_socket("bot")]:
                st = os.lstat(s)
                self.assertTrue(stat.S_ISSOCK(st.st_mode))
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
            self.assertEqual(stat.S_IMODE(os.stat(d.runtime).st_mode), 0o700)
            self.assertEqual(d.stop(signal.SIGTERM), 0)
            self.assertFalse(os.path.exists(d.control))
            self.assertFalse(os.path.exists(d.agent_socket("bot")))
        finally:
            d.cleanup()

    def test_process_is_hardened(self):
        d = Daemon()
        try:
            with open("/proc/%d/limits" % d.proc.pid) as f:
                core = [l for l in f if l.startswith("Max core file size")][0].split()
            self.assertEqual(core[4:6], ["0", "0"])
            with open("/proc/%d/status" % d.proc.pid) as f:
                status = f.read()
            self.assertIn("Umask:\t0077", status)
            for target in open_fd_targets(d.proc.pid):
                self.assertFalse(target.endswith("daemon_test.py"), target)
        finally:
            d.cleanup()

    def test_inherited_fds_are_closed(self):
        r, w = os.pipe()
        os.set_inheritable(w, True)
        d = Daemon(start=False)
        try:
            import subprocess
            d.stderr = open(d.stderr_path, "ab")
            d.proc = subprocess.Popen(d.args(), env=d.env, stdout=subprocess.DEVNULL,
                                      stderr=d.stderr, pass_fds=(w,))
            d.wait_ready()
            ours = "pipe:[%d]" % os.fstat(w).st_ino
            for target in open_fd_targets(d.proc.pid):
                self.assertNotEqual(target, ours)
        finally:
            os.close(r)
            os.close(w)
            d.cleanup()

    def test_sigint_also_shuts_down_cleanly(self):
        d = Daemon()
        try:
            self.assertEqual(d.stop(signal.SIGINT), 0)
            self.assertFalse(os.path.exists(d.control))
        finally:
            d.cleanup()

    def test_symlinked_runtime_dir_is_refused(self):
        d = Daemon(start=False)
        try:
            real = os.path.join(d.root, "real")
            os.mkdir(real, 0o700)
            os.symlink(real, d.runtime)
            rc, err = d.run_to_exit()
            self.assertNotEqual(rc, 0)
            self.assertIn("symlink", err)
        finally:
            d.cleanup()

    def test_group_readable_runtime_dir_is_refused(self):
        d = Daemon(start=False)
        try:
            os.mkdir(d.runtime)
            os.chmod(d.runtime, 0o755)
            rc, err = d.run_to_exit()
            self.assertNotEqual(rc, 0)
            self.assertIn(d.runtime, err)
            self.assertEqual(stat.S_IMODE(os.stat(d.runtime).st_mode), 0o755)
        finally:
            d.cleanup()

    @unittest.skipUnless(os.getuid() == 0, "needs root to chown")
    def test_runtime_dir_owned_by_someone_else_is_refused(self):
        d = Daemon(start=False)
        try:
            os.mkdir(d.runtime, 0o700)
            nobody = pwd.getpwnam("nobody")
            os.chown(d.runtime, nobody.pw_uid, nobody.pw_gid)
            rc, err = d.run_to_exit()
            self.assertNotEqual(rc, 0)
            self.assertIn("owned", err)
        finally:
            d.cleanup()

    def test_stale_non_socket_file_is_refused_and_kept(self):
        d = Daemon(start=False)
        try:
            os.mkdir(d.runtime, 0o700)
            with open(d.control, "w") as f:
                f.write("precious")
            rc, err = d.run_to_exit()
            self.assertNotEqual(rc, 0)
            self.assertIn("not a socket", err)
            with open(d.control) as f:
                self.assertEqual(f.read(), "precious")
        finally:
            d.cleanup()

    def test_stale_socket_is_replaced(self):
        d = Daemon(start=False)
        try:
            os.mkdir(d.runtime, 0o700)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(d.control)
            s.close()
            d.start()
            self.assertEqual(d.get("/.well-known/jwks.json").status, 200)
        finally:
            d.cleanup()

    def test_broken_agents_file_stops_startup_and_is_not_overwritten(self):
        d = Daemon(start=False)
        try:
            os.makedirs(d.config_dir, 0o700)
            path = os.path.join(d.config_dir, "agents.json")
            with open(path, "w") as f:
                f.write('{"version":1,"agents":[{"name":"x"')
            os.chmod(path, 0o600)
            rc, err = d.run_to_exit()
            self.assertNotEqual(rc, 0)
            self.assertIn("agents.json", err)
            with open(path) as f:
                self.assertEqual(f.read(), '{"version":1,"agents":[{"name":"x"')
        finally:
            d.cleanup()

    def test_sighup_reloads_agents_and_keeps_old_policy_on_error(self):
        d = Daemon()
        try:
            d.add_agent("bot", ["repo:read"])
            path = os.path.join(d.config_dir, "agents.json")
            with open(path) as f:
                doc = json.load(f)
            doc["agents"].append({"name": "hand", "scopes": ["repo:read"], "audiences": [],
                                  "created_at": int(time.time())})
            with open(path + ".tmp", "w") as f:
                json.dump(doc, f)
            os.chmod(path + ".tmp", 0o600)
            os.rename(path + ".tmp", path)
            d.proc.send_signal(signal.SIGHUP)
            for _ in range(200):
                if os.path.exists(d.agent_socket("hand")):
                    break
                time.sleep(0.02)
            self.assertTrue(os.path.exists(d.agent_socket("hand")))
            self.assertEqual(d.mint(sock=d.agent_socket("hand")).status, 200)
            with open(path, "w") as f:
                f.write("{broken")
            d.proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            self.assertIsNone(d.proc.poll())
            self.assertEqual(d.mint(client_id="hand").status, 200)
            self.assertIn("keeping the previous policy", d.log())
        finally:
            d.cleanup()

    def test_version_and_help(self):
        d = Daemon(start=False)
        try:
            import subprocess
            r = subprocess.run([d.args()[0], "--version"], capture_output=True)
            self.assertEqual(r.returncode, 0)
            self.assertTrue(r.stdout.startswith(b"notmed "))
            r = subprocess.run([d.args()[0], "--help"], capture_output=True)
            self.assertEqual(r.returncode, 0)
            self.assertIn(b"--runtime-dir", r.stdout)
            r = subprocess.run([d.args()[0], "--bogus"], capture_output=True)
            self.assertEqual(r.returncode, 2)
        finally:
            d.cleanup()


class LoopbackListenerTest(unittest.TestCase):
    def test_loopback_listener_serves_only_the_proxy(self):
        import http.client
        d = Daemon(["--proxy-listen", "127.0.0.1:0"])
        try:
            m = None
            for _ in range(100):
                m = re.search(r"proxy listener on 127\.0\.0\.1:(\d+)", d.log())
                if m:
                    break
                time.sleep(0.02)
            self.assertIsNotNone(m, d.log())
            port = int(m.group(1))
            for method, path in [("GET", "/v1/status"), ("POST", "/v1/agents"),
                                 ("GET", "/.well-known/jwks.json"), ("POST", "/token")]:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request(method, path, body=b"{}" if method == "POST" else None)
                r = c.getresponse()
                self.assertEqual(r.status, 404, (method, path))
                r.read()
                c.close()
        finally:
            d.cleanup()


class NoKeyMaterialTest(unittest.TestCase):
    def test_no_token_or_key_bytes_in_any_file_after_a_session(self):
        d = Daemon()
        try:
            d.add_agent("bot", ["repo:read", "git:sign"], [AUD])
            tokens = []
            for i in range(20):
                r = d.mint(client_id="bot", scope="repo:read")
                tokens.append(r.json()["access_token"])
            d.post_json("/v1/revoke", {"agent": "bot"})
            d.post_json("/v1/revoke", {"all": True})
            d.mint(client_id="bot", scope="nope")
            d.stop()
            jws_like = re.compile(rb"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
            files = []
            for base, _, names in os.walk(d.root):
                for n in names:
                    p = os.path.join(base, n)
                    if n == "notmed.stderr":
                        continue
                    if os.path.islink(p) or not os.path.isfile(p):
                        continue
                    files.append(p)
                    with open(p, "rb") as f:
                        data = f.read()
                    self.assertIsNone(jws_like.search(data), p)
                    for t in tokens:
                        self.assertNotIn(t.split(".")[2].encode(), data, p)
                    self.assertNotIn(b'"d":', data, p)
                    self.assertEqual(stat.S_IMODE(os.stat(p).st_mode) & 0o077, 0, p)
            names = sorted(os.path.basename(p) for p in files)
            self.assertEqual(names, ["agents.json", "audit.log"], files)
            with open(d.stderr_path, "rb") as f:
                log = f.read()
            self.assertIsNone(jws_like.search(log))
        finally:
            d.cleanup()


if __name__ == "__main__":
    if not os.environ.get("NOTMED"):
        sys.exit("set NOTMED to the notmed binary")
    unittest.main(verbosity=2)
