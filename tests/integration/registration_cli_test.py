"""Agentic registration end to end: the real notmed (ephemeral keyring), the real `notme`
CLI, and the loopback test service (registration_service.py). The human registers an
agent; the agent's first call through its socket's /r/<route>/ works; the credential
never appears in the CLI's output, the daemon's answers, files or the audit log."""

import json
import os
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
        text = out + err + self.everything_written()
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
