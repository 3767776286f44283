"""The notme CLI end to end: every command against a real notmed (temporary dirs,
--keyring ephemeral), error paths and exit codes included, --json parsed and checked."""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon  # noqa: E402
from jwcrypto import jwk  # noqa: E402

NOTME = os.environ.get("NOTME", "")
ESC = "\x1b["


def cli_env(d, **extra):
    env = dict(d.env)
    env["NOTME_RUNTIME_DIR"] = d.runtime
    env.pop("NOTME_SOCKET", None)
    env.update(extra)
    return env


def notme(d, *args, env=None, timeout=20):
    r = subprocess.run([NOTME, *args], env=env or cli_env(d), capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


class Base(unittest.TestCase):
    daemon_args = ()

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(extra_args=cls.daemon_args)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.cleanup()

    def ok(self, *args, **kw):
        rc, out, err = notme(self.d, *args, **kw)
        self.assertEqual(rc, 0, f"notme {args}: {err}")
        self.assertNotIn(ESC, out, "colour on a non-terminal")
        return out

    def fails(self, code, *args, **kw):
        rc, out, err = notme(self.d, *args, **kw)
        self.assertEqual(rc, code, f"notme {args}: rc {rc} out {out!r} err {err!r}")
        return out, err

    def json(self, *args, **kw):
        return json.loads(self.ok(*args, "--json", **kw))


class UsageTest(Base):
    def test_version_and_help_exit_0(self):
        self.assertIn("notme 0.", self.ok("--version"))
        out = self.ok("--help")
        for cmd in ("status", "agent", "token", "revoke", "audit", "run", "doctor"):
            self.assertIn(cmd, out)
        self.assertIn("Examples:", self.ok("token", "--help"))

    def test_bad_arguments_exit_2(self):
        for args in ([], ["bogus"], ["agent"], ["agent", "add", "x"],
                     ["agent", "add", "Bad Name", "--scope", "s"],
                     ["agent", "add", "x", "--scope", "a b"],
                     ["token", "--scope", "s"], ["token", "--agent", "x"],
                     ["revoke"], ["revoke", "--agent", "a", "--all"],
                     ["run", "--agent", "x"], ["run", "--", "true"],
                     ["status", "--nope"], ["audit", "--after", "-1"]):
            with self.subTest(args=args):
                self.fails(2, *args)

    def test_dpop_jwk_with_a_private_key_is_refused_without_echoing_it(self):
        key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
        with tempfile.NamedTemporaryFile("w", suffix=".jwk", dir=self.d.root) as f:
            f.write(key.export_private())
            f.flush()
            _, err = self.fails(2, "token", "--agent", "x", "--scope", "s", "--dpop-jwk", f.name)
        self.assertIn("private key", err)
        self.assertNotIn(json.loads(key.export_private())["d"], err)

    def test_dpop_jwk_unreadable_or_not_json_is_a_usage_error(self):
        self.fails(2, "token", "--agent", "x", "--scope", "s", "--dpop-jwk", "/nonexistent.jwk")
        with tempfile.NamedTemporaryFile("w", dir=self.d.root) as f:
            f.write("not json")
            f.flush()
            self.fails(2, "token", "--agent", "x", "--scope", "s", "--dpop-jwk", f.name)


class DaemonDownTest(unittest.TestCase):
    def test_every_daemon_command_exits_3_with_the_start_hint(self):
        d = Daemon(start=False)
        try:
            for args in (["status"], ["agent", "list"], ["agent", "add", "a", "--scope", "s"],
                         ["token", "--agent", "a", "--scope", "s"], ["revoke", "--all"],
                         ["audit"], ["run", "--agent", "a", "--", "true"], ["doctor"]):
                with self.subTest(args=args):
                    rc, _, err = notme(d, *args)
                    self.assertEqual(rc, 3, err)
                    if args != ["doctor"]:
                        self.assertIn("systemctl --user start notmed.socket", err)
                        self.assertIn("notmed &", err)
        finally:
            d.cleanup()

    def test_a_stale_socket_with_no_daemon_exits_3(self):
        d = Daemon()
        try:
            d.stop(signal.SIGKILL)  # leaves the socket file behind
            rc, _, err = notme(d, "status")
            self.assertEqual(rc, 3, err)
        finally:
            d.cleanup()


class CommandsTest(Base):
    def test_status_json_describes_the_daemon(self):
        s = self.json("status")
        self.assertEqual(s["keyring"], "ephemeral")
        self.assertTrue(s["keys"])
        self.assertIn("notmed", self.ok("status"))

    def test_agent_add_list_rm(self):
        a = self.json("agent", "add", "lister", "--scope", "repo:read", "--audience",
                      "https://api.example.test")
        self.assertEqual(a["name"], "lister")
        self.assertEqual(a["scopes"], ["repo:read"])
        names = [x["name"] for x in self.json("agent", "list")["agents"]]
        self.assertIn("lister", names)
        self.assertIn("lister", self.ok("agent", "list"))
        _, err = self.fails(1, "agent", "add", "lister", "--scope", "x")
        self.assertIn("notme:", err)
        self.ok("agent", "rm", "lister")
        self.fails(1, "agent", "rm", "lister")
        self.assertNotIn("lister", [x["name"] for x in self.json("agent", "list")["agents"]])

    def test_token_shows_verified_claims_bound_to_the_cli_key(self):
        self.ok("agent", "add", "tok", "--scope", "git:sign", "--scope", "repo:read")
        t = self.json("token", "--agent", "tok", "--scope", "repo:read")
        self.assertEqual(t["token_type"], "DPoP")
        self.assertEqual(t["expires_in"], 300)
        self.assertEqual(t["claims"]["client_id"], "tok")
        self.assertEqual(t["claims"]["scope"], "repo:read")
        self.assertEqual(t["claims"]["cnf"]["jkt"], t["jkt"])
        self.assertEqual(t["bound_to"], "cli-proof-key")
        self.assertEqual(t["header"]["typ"], "at+jwt")
        out = self.ok("token", "--agent", "tok", "--scope", "git:sign")
        self.assertIn("useless to anyone else", out)
        self.assertIn("client_id", out)

    def test_token_for_an_unknown_agent_or_a_scope_not_allowed_fails(self):
        self.ok("agent", "add", "narrow", "--scope", "repo:read")
        _, err = self.fails(1, "token", "--agent", "ghost", "--scope", "repo:read")
        self.assertIn("notme:", err)
        _, err = self.fails(1, "token", "--agent", "narrow", "--scope", "admin")
        self.assertIn("notme:", err)

    def test_token_dpop_jwk_binds_to_the_callers_key(self):
        self.ok("agent", "add", "bound", "--scope", "repo:read")
        key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
        path = os.path.join(self.d.root, "pub.jwk")
        with open(path, "w") as f:
            f.write(key.export_public())
        rc, out, err = notme(self.d, "token", "--agent", "bound", "--scope", "repo:read",
                             "--dpop-jwk", path, "--json")
        self.assertEqual(rc, 0, err)
        t = json.loads(out)
        self.assertEqual(t["claims"]["cnf"]["jkt"], key.thumbprint())
        self.assertEqual(t["bound_to"], "dpop-jwk")

    def test_revoke_agent_jti_and_all(self):
        self.ok("agent", "add", "rev", "--scope", "repo:read")
        t = self.json("token", "--agent", "rev", "--scope", "repo:read")
        r = self.json("revoke", "--jti", t["claims"]["jti"])
        self.assertIn("revoked", r)
        self.json("token", "--agent", "rev", "--scope", "repo:read")
        self.assertGreaterEqual(self.json("revoke", "--agent", "rev")["revoked"], 1)
        self.assertIn("revoked", self.json("revoke", "--all"))
        self.assertIn("Revoked", self.ok("revoke", "--agent", "rev"))

    def test_audit_lists_events_as_json_lines_and_filters_by_agent(self):
        self.ok("agent", "add", "aud", "--scope", "repo:read")
        self.json("token", "--agent", "aud", "--scope", "repo:read")
        lines = [json.loads(l) for l in self.ok("audit", "--json").splitlines()]
        self.assertTrue(lines)
        mine = [json.loads(l) for l in self.ok("audit", "--agent", "aud", "--json").splitlines()]
        self.assertTrue(mine)
        self.assertTrue(all(e.get("agent") == "aud" for e in mine), mine)
        self.assertTrue(self.ok("audit").strip())

    def test_audit_follow_prints_new_entries_and_stops_on_sigint(self):
        self.ok("agent", "add", "fol", "--scope", "repo:read")
        p = subprocess.Popen([NOTME, "audit", "--follow", "--agent", "fol", "--json"],
                             env=cli_env(self.d), stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(1.2)
            self.json("token", "--agent", "fol", "--scope", "repo:read")
            time.sleep(2.5)
            p.send_signal(signal.SIGINT)
            out, _ = p.communicate(timeout=10)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 0)
        events = [json.loads(l) for l in out.splitlines()]
        self.assertTrue(any(e.get("agent") == "fol" for e in events), out)

    def test_management_on_an_agent_socket_is_refused_with_a_hint(self):
        self.ok("agent", "add", "sock", "--scope", "repo:read")
        env = cli_env(self.d, NOTME_SOCKET=self.d.agent_socket("sock"))
        _, err = self.fails(1, "agent", "list", env=env)
        self.assertIn("unset NOTME_SOCKET", err)
        # On its own socket the agent is implied.
        t = json.loads(self.ok("token", "--scope", "repo:read", "--json", env=env))
        self.assertEqual(t["claims"]["client_id"], "sock")

    def test_an_unsafe_socket_is_refused(self):
        os.chmod(self.d.control, 0o666)
        try:
            _, err = self.fails(1, "status")
            self.assertIn("group or other", err)
        finally:
            os.chmod(self.d.control, 0o600)
        self.ok("status")

    def test_doctor_json_reports_the_daemon_and_each_problem_with_a_fix(self):
        self.ok("agent", "add", "doc", "--scope", "repo:read")
        rc, out, err = notme(self.d, "doctor", "--json")
        self.assertIn(rc, (0, 1), err)
        r = json.loads(out)
        checks = {c["name"]: c for c in r["checks"]}
        self.assertEqual(checks["daemon"]["status"], "ok")
        self.assertEqual(checks["keyring"]["status"], "warn")
        self.assertIn("fix", checks["keyring"])
        self.assertEqual(checks["agent doc"]["status"], "ok")
        self.assertIn("signing key", checks)
        self.assertEqual(checks["git allowedSignersFile"]["status"], "warn")
        self.assertIn("allowed-signers", checks["git allowedSignersFile"]["fix"])
        for c in r["checks"]:
            if c["status"] in ("warn", "fail"):
                self.assertTrue(c.get("fix"), c)
        self.assertEqual(r["ok"], rc == 0)


class RunTest(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        subprocess.run([NOTME, "agent", "add", "runner", "--scope", "git:sign"],
                       env=cli_env(cls.d), check=True, capture_output=True)

    def run_as(self, *cmd, env=None):
        return notme(self.d, "run", "--agent", "runner", "--", *cmd, env=env)

    def test_child_gets_the_agent_socket_and_git_config(self):
        rc, out, err = self.run_as("env")
        self.assertEqual(rc, 0, err)
        env = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        self.assertEqual(env["NOTME_SOCKET"], self.d.agent_socket("runner"))
        self.assertEqual(env["GIT_CONFIG_COUNT"], "6")
        for k, v in (("gpg.format", "ssh"), ("gpg.ssh.program", "?"), ("user.signingkey", "?")):
            self.assertIn(k, [env[f"GIT_CONFIG_KEY_{i}"] for i in range(6)])
        rc, out, err = self.run_as("git", "config", "--get", "gpg.format")
        self.assertEqual((rc, out.strip()), (0, "ssh"), err)
        rc, out, _ = self.run_as("git", "config", "--get", "commit.gpgsign")
        self.assertEqual(out.strip(), "true")
        rc, out, _ = self.run_as("git", "config", "--get", "gpg.ssh.program")
        self.assertTrue(out.strip().endswith("notme-ssh-sign"))
        shim = os.path.join(os.path.dirname(NOTME), "..", "shim", "notme-ssh-sign")
        if os.path.exists(shim):  # found in the build tree: an absolute path
            self.assertEqual(out.strip(), os.path.realpath(shim))
        rc, out, _ = self.run_as("git", "config", "--get", "user.signingkey")
        self.assertEqual(out.strip(), "notme-agent:runner")
        rc, out, _ = self.run_as("git", "config", "--get-all", "credential.helper")
        self.assertTrue(out.strip().splitlines()[-1].endswith("git-credential-notme"), out)

    def test_existing_git_config_count_entries_are_kept(self):
        env = cli_env(self.d, GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="core.pager",
                      GIT_CONFIG_VALUE_0="cat")
        rc, out, err = self.run_as("git", "config", "--get", "core.pager", env=env)
        self.assertEqual((rc, out.strip()), (0, "cat"), err)
        rc, out, _ = self.run_as("git", "config", "--get", "gpg.format", env=env)
        self.assertEqual(out.strip(), "ssh")

    def test_the_childs_exit_status_is_returned(self):
        self.assertEqual(self.run_as("sh", "-c", "exit 5")[0], 5)
        self.assertEqual(self.run_as("sh", "-c", "kill -TERM $$")[0], 128 + signal.SIGTERM)
        self.assertEqual(self.run_as("notme-no-such-program")[0], 127)

    def test_sigterm_to_notme_reaches_the_child(self):
        p = subprocess.Popen([NOTME, "run", "--agent", "runner", "--", "sleep", "30"],
                             env=cli_env(self.d))
        time.sleep(0.8)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 128 + signal.SIGTERM)

    def test_an_unknown_agent_fails_clearly(self):
        rc, _, err = notme(self.d, "run", "--agent", "ghost", "--", "true")
        self.assertEqual(rc, 1)
        self.assertIn("no agent named 'ghost'", err)
        self.assertIn("notme agent add ghost", err)

    def test_the_child_can_mint_a_token_as_the_agent(self):
        rc, out, err = self.run_as(NOTME, "token", "--scope", "git:sign", "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["claims"]["client_id"], "runner")


class NonceTest(Base):
    daemon_args = ("--require-dpop-nonce",)

    def test_token_retries_once_with_the_servers_nonce(self):
        self.ok("agent", "add", "nonce", "--scope", "repo:read")
        t = self.json("token", "--agent", "nonce", "--scope", "repo:read")
        self.assertEqual(t["claims"]["client_id"], "nonce")


if __name__ == "__main__":
    if not NOTME or not os.environ.get("NOTMED"):
        print("set NOTME and NOTMED to the built binaries", file=sys.stderr)
        sys.exit(2)
    unittest.main(verbosity=2)
