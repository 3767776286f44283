"""Agentic registration end to end: the real notmed (ephemeral keyring), the real `notme`
CLI, and the loopback test service (registration_service.py). The human registers an
agent; the agent's first call through its socket's /r/<route>/ works; the credential
never appears in the CLI's output, the daemon's answers, files or the audit log."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, request  # noqa: E402

NOTME = os.environ.get("NOTME", "")
HERE = os.path.dirname(os.path.abspath(__file__))


class Service:
    def __init__(self, *args):
        self.outbox = os.path.join("/tmp", "nreg-outbox-%d-%d" % (os.getpid(), time.monotonic_ns()))
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "registration_service.py"),
                                      "--outbox", self.outbox] + list(args), stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        self.port = int(line.split()[1])
        self.base = "http://127.0.0.1:%d" % self.port

    def last_otp(self):
        with open(self.outbox) as f:
            return json.loads(f.read().strip().splitlines()[-1])["otp"]

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()
        if os.path.exists(self.outbox):
            os.unlink(self.outbox)


class RegistrationCliTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.s = Service()
        self.d.add_agent("claude", ["api:read"])

    def tearDown(self):
        self.d.cleanup()
        self.s.close()

    def notme(self, *args, stdin=b""):
        env = dict(self.d.env, NOTME_SOCKET=self.d.control)
        r = subprocess.run([NOTME] + list(args), env=env, input=stdin, capture_output=True, timeout=30)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def audit(self):
        with open(os.path.join(self.d.state_dir, "audit.log")) as f:
            return f.read()

    def everything_written(self):
        blobs = []
        for root in (self.d.config_dir, self.d.state_dir):
            for dirpath, _, files in os.walk(root):
                for f in files:
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        blobs.append(fh.read().decode(errors="replace"))
        return "\n".join(blobs)

    def test_anonymous_registration_then_agent_call_through_the_proxy(self):
        rc, out, err = self.notme("register", self.s.base + "/api/things", "--agent", "claude",
                                  "--allow-loopback", "--json")
        self.assertEqual(rc, 0, err)
        rec = json.loads(out)
        self.assertEqual(rec["status"], "active")
        self.assertIn("nothing about you", err)
        r = request(self.d.agent_socket("claude"), "GET", "/r/%s/api/things" % rec["route"])
        self.assertEqual(r.status, 200, r)
        self.assertIn(b'"ok": true', r.body)
        text = out + err + self.everything_written() + self.d.log()
        self.assertNotIn("sk_test_", text)
        self.assertNotIn("clm_", text)
        rc, out, _ = self.notme("registration", "list", "--json")
        self.assertEqual(json.loads(out)["registrations"][0]["name"], rec["name"])
        audit = self.audit()
        self.assertIn("registration.created", audit)

    def test_email_registration_and_otp_claim(self):
        rc, out, err = self.notme("register", self.s.base + "/", "--agent", "claude", "--method", "email",
                                  "--email", "me@example.com", "--allow-loopback", "--yes", "--json")
        self.assertEqual(rc, 0, err)
        rec = json.loads(out)
        self.assertEqual(rec["status"], "pending_claim")
        self.assertIn("email = me@example.com", err)
        rc, out, err = self.notme("claim", rec["name"], "--otp")
        self.assertNotEqual(rc, 0)  # not a terminal and no --otp-stdin
        rc, out, err = self.notme("claim", rec["name"], "--otp", "--otp-stdin",
                                  stdin=(self.s.last_otp() + "\n").encode())
        self.assertEqual(rc, 0, err)
        r = request(self.d.agent_socket("claude"), "GET", "/r/%s/api/things" % rec["name"])
        self.assertEqual(r.status, 200, r)
        audit = self.audit()
        self.assertIn("claim.requested", audit)
        self.assertIn("claim.confirmed", audit)

    def test_consent_is_required_without_a_terminal(self):
        rc, _, err = self.notme("register", self.s.base + "/", "--agent", "claude", "--method", "email",
                                "--email", "me@example.com", "--allow-loopback")
        self.assertNotEqual(rc, 0)
        self.assertIn("--yes", err)
        self.assertFalse(os.path.exists(self.s.outbox))

    def notme_on_tty(self, args, answers):
        """Runs notme with its stdin on a pseudo-terminal, typing each answer after its prompt."""
        import pty
        import select
        master, slave = pty.openpty()
        env = dict(self.d.env, NOTME_SOCKET=self.d.control)
        p = subprocess.Popen([NOTME] + list(args), env=env, stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        os.close(slave)
        try:
            for prompt, answer in answers:
                seen = b""
                deadline = time.monotonic() + 20
                while prompt not in seen and time.monotonic() < deadline:
                    # The prompt goes to stderr; the terminal only echoes what is typed.
                    ready, _, _ = select.select([p.stderr], [], [], 0.5)
                    if ready:
                        seen += os.read(p.stderr.fileno(), 4096)
                self.assertIn(prompt, seen)
                os.write(master, answer)
            out, err = p.communicate(timeout=30)
        finally:
            os.close(master)
        return p.returncode, out.decode(), err.decode()

    def test_consent_and_the_code_are_asked_on_the_terminal(self):
        args = ["register", self.s.base + "/", "--agent", "claude", "--method", "email",
                "--email", "me@example.com", "--allow-loopback"]
        rc, _, err = self.notme_on_tty(args, [(b"[y/N]", b"n\n")])
        self.assertNotEqual(rc, 0)
        self.assertIn("Nothing was sent", err)
        self.assertFalse(os.path.exists(self.s.outbox))
        rc, out, err = self.notme_on_tty(args, [(b"[y/N]", b"y\n")])
        self.assertEqual(rc, 0, err)
        name = out.split()[1].rstrip(";")
        rc, out, err = self.notme_on_tty(["claim", name, "--otp"],
                                         [(b"input hidden", (self.s.last_otp() + "\n").encode())])
        self.assertEqual(rc, 0, err)
        self.assertIn("Claimed", out)
        r = request(self.d.agent_socket("claude"), "GET", "/r/%s/api/things" % name)
        self.assertEqual(r.status, 200, r)

    def test_revocation_then_removal(self):
        rc, out, err = self.notme("register", self.s.base + "/", "--agent", "claude", "--allow-loopback", "--json")
        self.assertEqual(rc, 0, err)
        name = json.loads(out)["name"]
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(self.s.base + "/_test/revoke_all", data=b"{}"))
        r = request(self.d.agent_socket("claude"), "GET", "/r/%s/api/things" % name)
        self.assertEqual(r.status, 401)
        for _ in range(100):
            rc, out, _ = self.notme("registration", "list", "--json")
            if json.loads(out)["registrations"][0]["status"] == "revoked":
                break
            time.sleep(0.02)
        self.assertEqual(json.loads(out)["registrations"][0]["status"], "revoked")
        rc, _, err = self.notme("registration", "rm", name)
        self.assertEqual(rc, 0, err)
        r = request(self.d.agent_socket("claude"), "GET", "/r/%s/api/things" % name)
        self.assertNotEqual(r.status, 200)
        self.assertIn("registration.revoked", self.audit())

    def doctor(self):
        env = dict(self.d.env, NOTME_RUNTIME_DIR=self.d.runtime)
        r = subprocess.run([NOTME, "doctor", "--json"], env=env, capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return {c["name"]: c for c in json.loads(r.stdout)["checks"]}

    def register(self, service, name, *extra):
        rc, out, err = self.notme("register", service.base + "/", "--agent", "claude", "--name", name,
                                  "--allow-loopback", "--yes", "--json", *extra)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_doctor_shows_each_registration_problem_with_its_fix(self):
        expired = Service("--credential-ttl", "-60")
        soon = Service("--credential-ttl", "3600")
        try:
            self.register(self.s, "unclaimed")
            self.register(self.s, "pending", "--method", "email", "--email", "me@example.com")
            self.register(self.s, "revoked")
            for svc, name in ((expired, "expired"), (soon, "soon")):
                self.register(svc, name, "--method", "email", "--email", "me@example.com")
                rc, _, err = self.notme("claim", name, "--otp", "--otp-stdin",
                                        stdin=(svc.last_otp() + "\n").encode())
                self.assertEqual(rc, 0, err)
            import urllib.request
            urllib.request.urlopen(urllib.request.Request(self.s.base + "/_test/revoke_all", data=b"{}"))
            self.assertEqual(request(self.d.agent_socket("claude"), "GET", "/r/revoked/api/x").status, 401)
            for _ in range(100):
                checks = self.doctor()
                if checks["registration revoked"]["status"] == "fail":
                    break
                time.sleep(0.05)
            c = checks["registration revoked"]
            self.assertEqual(c["status"], "fail")
            self.assertIn("revoked", c["detail"])
            self.assertIn("notme registration rm revoked && notme register " + self.s.base + "/", c["fix"])
            self.assertIn("--allow-loopback", c["fix"])
            c = checks["registration pending"]
            self.assertEqual(c["status"], "warn")
            self.assertIn("unclaimed", c["detail"])
            self.assertEqual(c["fix"], "notme claim pending --otp")
            c = checks["registration unclaimed"]
            self.assertEqual(c["status"], "info")
            self.assertIn("notme claim unclaimed --email", c["fix"])
            c = checks["registration expired"]
            self.assertEqual(c["status"], "fail")
            self.assertIn("expired", c["detail"])
            self.assertIn("--method email --email me@example.com", c["fix"])
            c = checks["registration soon"]
            self.assertEqual(c["status"], "warn")
            self.assertIn("expires in", c["detail"])
            self.assertIn("notme registration rm soon", c["fix"])
            # The human-readable form shows the same fixes.
            env = dict(self.d.env, NOTME_RUNTIME_DIR=self.d.runtime)
            r = subprocess.run([NOTME, "doctor"], env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
            self.assertIn(b"fix: notme claim pending --otp", r.stdout)
        finally:
            expired.close()
            soon.close()

    def test_service_signed_assertion_is_exchanged_and_refreshed(self):
        svc = Service("--variant", "service_signed")
        try:
            rec = self.register(svc, "signed")
            self.assertEqual(rec["credential_type"], "access_token")
            self.assertEqual(rec["assertion_secret"], "reg-signed.assertion")
            r = request(self.d.agent_socket("claude"), "GET", "/r/signed/api/things")
            self.assertEqual(r.status, 200, r)
            rc, out, err = self.notme("registration", "refresh", "signed", "--json")
            self.assertEqual(rc, 0, err)
            r = request(self.d.agent_socket("claude"), "GET", "/r/signed/api/things")
            self.assertEqual(r.status, 200, r)
            text = out + err + self.everything_written()
            self.assertNotIn("eyJ", text)  # the service-signed assertion (a JWT)
            self.assertIsNone(re.search(r"at_[A-Za-z0-9_-]{32}", text))  # the access token
            c = self.doctor()["registration signed"]
            self.assertEqual(c["status"], "info")  # anonymous, not claimed: nothing expires soon
            self.assertIn("unclaimed", c["detail"])
            rc, _, err = self.notme("registration", "rm", "signed")
            self.assertEqual(rc, 0, err)
            self.assertIn("registration.refreshed", self.audit())
        finally:
            svc.close()

    def test_refresh_of_a_registration_without_an_assertion_is_refused(self):
        self.register(self.s, "plain")
        rc, _, err = self.notme("registration", "refresh", "plain")
        self.assertNotEqual(rc, 0)
        self.assertIn("register again", err)

    def test_idjag_registration_verified_against_the_loopback_listener_jwks(self):
        # The service fetches notme's JWKS from the loopback listener, as a real one would
        # from the provider's issuer, and verifies the ID-JAG (typ, signature, claims, jti).
        # A fixed port: the issuer is fixed when notmed starts (docs/registration.md).
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        d = Daemon(["--proxy-listen", "127.0.0.1:%d" % port])
        svc = None
        try:
            for _ in range(250):
                if "proxy listener on" in d.log():
                    break
                time.sleep(0.02)
            issuer = "http://127.0.0.1:%d/idjag" % port
            import urllib.request
            with urllib.request.urlopen(issuer + "/.well-known/oauth-authorization-server", timeout=5) as r:
                meta = json.loads(r.read())
            self.assertEqual(meta["issuer"], issuer)
            self.assertEqual(meta["jwks_uri"], issuer + "/.well-known/jwks.json")
            svc = Service("--trust-jwks", meta["jwks_uri"], "--trust-issuer", issuer)
            d.add_agent("claude", ["api:read"])
            env = dict(d.env, NOTME_SOCKET=d.control)
            args = [NOTME, "register", svc.base + "/", "--agent", "claude", "--method", "id-jag",
                    "--email", "me@example.com", "--allow-loopback", "--json"]
            r = subprocess.run(args, env=env, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
            self.assertNotEqual(r.returncode, 0)  # no terminal, no --yes: nothing asserted
            r = subprocess.run(args + ["--yes"], env=env, capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"email_verified = true", r.stderr)
            self.assertIn(("iss = " + issuer).encode(), r.stderr)
            rec = json.loads(r.stdout)
            self.assertEqual(rec["registration_type"], "agent-provider")
            res = request(d.agent_socket("claude"), "GET", "/r/%s/api/things" % rec["route"])
            self.assertEqual(res.status, 200, res)
            self.assertIn(b"me@example.com", res.body)
            with open(os.path.join(d.state_dir, "audit.log")) as f:
                audit = f.read()
            self.assertIn("idjag.minted", audit)
            self.assertNotIn("eyJ", audit + d.log())
        finally:
            d.cleanup()
            if svc:
                svc.close()

    def test_agent_socket_cannot_register(self):
        r = request(self.d.agent_socket("claude"), "POST", "/v1/registrations",
                    json.dumps({"url": self.s.base + "/", "agent": "claude"}).encode(),
                    {"Content-Type": "application/json"})
        self.assertIn(r.status, (403, 404))

    def test_idjag_jwks_is_published(self):
        r = request(self.d.control, "GET", "/idjag/.well-known/jwks.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["keys"][0]["crv"], "Ed25519")


if __name__ == "__main__":
    unittest.main()
