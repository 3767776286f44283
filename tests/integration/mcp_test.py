"""`notme mcp ROUTE` end to end: the official MCP TypeScript SDK as a real upstream server
(StreamableHTTPServerTransport on 127.0.0.1, requiring `Authorization: Bearer <secret>`)
and as a real client (StdioClientTransport spawning `notme mcp ROUTE` on an agent socket),
through a real notmed (ephemeral keyring) with the secret stored by `notme secret set` on
stdin. Checks initialize, tools/list, tools/call, streamed SSE notifications, the GET
stream, the session header, DELETE on shutdown, and that the secret is nowhere on the
client side. Then the failure paths over raw stdio: daemon down, unknown route, a route
the agent may not use, an upstream rejecting the credential, malformed input.

npm dependencies (tests/integration/mcp/package-lock.json) are installed with `npm ci`
into the build tree once and reused while the lock file is unchanged. Without the npm
registry the test is skipped (exit 77), except under CI=true, where it fails."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon  # noqa: E402

SECRET = "mcp_upstream_secret_7f3a9c0d2b"
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = os.path.join(HERE, "mcp")
WORK = os.environ.get("MCP_NODE_DIR", "")
NOTME = os.environ.get("NOTME", "")
SKIP = 77


def prepare_node_dir():
    """Copies package files and scripts into WORK and runs `npm ci` when the lock changed."""
    os.makedirs(WORK, exist_ok=True)
    for name in os.listdir(SOURCES):
        if name.endswith((".json", ".mjs")):
            shutil.copyfile(os.path.join(SOURCES, name), os.path.join(WORK, name))
    with open(os.path.join(SOURCES, "package-lock.json"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(WORK, ".npm-ci.stamp")
    modules = os.path.join(WORK, "node_modules", "@modelcontextprotocol", "sdk")
    if os.path.isdir(modules) and os.path.exists(stamp) and open(stamp).read() == digest:
        return None
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not installed (scripts/install-deps.sh installs nodejs and npm)"
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WORK,
                       capture_output=True, timeout=600)
    if r.returncode != 0:
        return ("`npm ci` in %s failed (is the npm registry reachable?): %s"
                % (WORK, r.stderr.decode(errors="replace")[-2000:]))
    with open(stamp, "w") as f:
        f.write(digest)
    return None


def run_cli(d, *args, stdin=b"", sock=None):
    env = dict(d.env, NOTME_SOCKET=sock or d.control)
    return subprocess.run([NOTME, *args], input=stdin, env=env, capture_output=True, timeout=30)


def stdio_exchange(env, route, lines, timeout=30):
    """Runs `notme mcp ROUTE`, writes `lines` then EOF; returns (messages, stderr, rc)."""
    data = "".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines)
    r = subprocess.run([NOTME, "mcp", route], input=data.encode(), env=env, capture_output=True,
                       timeout=timeout)
    out = [json.loads(l) for l in r.stdout.decode().splitlines() if l.strip()]
    return out, r.stderr.decode(errors="replace"), r.returncode


INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "0"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


class McpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.up = subprocess.Popen(["node", os.path.join(WORK, "upstream_server.mjs")], cwd=WORK,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        cls.up.stdin.write((SECRET + "\n").encode())
        cls.up.stdin.flush()
        line = cls.up.stdout.readline()
        if not line:
            raise RuntimeError("the SDK upstream server did not start")
        cls.port = json.loads(line)["port"]
        cls.d = Daemon()
        d = cls.d
        r = run_cli(d, "secret", "set", "mcp-upstream", stdin=(SECRET + "\n").encode())
        assert r.returncode == 0, r.stderr
        r = run_cli(d, "secret", "set", "wrong", stdin=b"not-the-secret\n")
        assert r.returncode == 0, r.stderr
        upstream = "http://127.0.0.1:%d/mcp" % cls.port
        for name, secret in (("tools", "mcp-upstream"), ("badsecret", "wrong")):
            r = run_cli(d, "route", "add", name, "--upstream", upstream, "--secret", secret,
                        "--allow-loopback", "--scope", "mcp:" + name)
            assert r.returncode == 0, r.stderr
        for agent, scopes in (("claude", ["mcp:tools", "mcp:badsecret"]), ("other", ["x:y"])):
            args = ["agent", "add", agent]
            for s in scopes:
                args += ["--scope", s]
            r = run_cli(d, *args)
            assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.cleanup()
        cls.up.terminate()
        cls.up.wait(timeout=10)

    def agent_env(self, agent="claude", sock=None):
        return dict(self.d.env, NOTME_SOCKET=sock or self.d.agent_socket(agent))

    def status(self):
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/_test/status" % self.port, timeout=5) as r:
            return json.loads(r.read())

    def test_sdk_client_through_notme_mcp_to_sdk_server(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.agent_env()}
        before = self.status()
        r = subprocess.run(["node", os.path.join(WORK, "client.mjs"), NOTME, "tools",
                            str(self.port)], cwd=WORK, env=env, capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        out = json.loads(r.stdout)
        print("client step timings (ms):", out["timings_ms"], file=sys.stderr)
        self.assertEqual(out["server_version"]["name"], "notme-test-upstream")
        names = [t["name"] for t in out["tools"]["tools"]]
        self.assertIn("echo", names)
        self.assertEqual(out["echo"]["content"][0]["text"], "echo: hello through notme")
        self.assertTrue(out["fail"].get("isError"), out["fail"])
        self.assertTrue(out["unknown"].get("isError") or "thrown" in out["unknown"], out["unknown"])
        # Only possible if the progress notification was relayed before the answer ended.
        self.assertEqual(out["streaming"]["result"]["content"][0]["text"], "released",
                         out["streaming"])
        self.assertGreaterEqual(len(out["streaming"]["progress"]), 1)
        self.assertEqual(out["list_changed"]["notified"], True, out["list_changed"])
        self.assertIn("late", out["list_changed"]["tools"])
        self.assertEqual(out["ping"], {})
        up = out["upstream"]
        self.assertEqual(up["unauthorized"], 0)
        # One session, ended by DELETE when the client closed stdin (clean shutdown).
        self.assertEqual(up["deletes"] - before["deletes"], 1, up)
        self.assertEqual(len(up["session_ids_seen"]) - len(before["session_ids_seen"]), 1, up)
        self.assertEqual(up["open_sessions"], 0, up)
        self.assertTrue(up["protocol_versions"], up)  # MCP-Protocol-Version was sent
        # The secret is nowhere on the client side: its environment, every message it
        # received, notme mcp's stderr, the client's own output.
        self.assertNotIn(SECRET, r.stdout.decode() + r.stderr.decode())
        self.assertNotIn(SECRET, json.dumps(out))
        self.assertNotIn(SECRET, json.dumps(env))

    def test_raw_stdio_exchange_and_notifications_get_no_output(self):
        out, err, rc = stdio_exchange(self.agent_env(), "tools", [
            INIT, INITIALIZED,
            {"jsonrpc": "2.0", "id": "t", "method": "tools/call",
             "params": {"name": "echo", "arguments": {"text": "x"}}}])
        self.assertEqual(rc, 0, err)
        self.assertEqual([m.get("id") for m in out], [1, "t"], out)
        self.assertEqual(out[1]["result"]["content"][0]["text"], "echo: x")
        self.assertNotIn(SECRET, json.dumps(out) + err)

    def test_malformed_lines_get_json_rpc_errors(self):
        out, err, rc = stdio_exchange(self.agent_env(), "tools", [
            "{not json", '{"jsonrpc":"1.0","id":5,"method":"x"}', "[]",
            '{"jsonrpc":"2.0","id":null,"method":"x"}'])
        self.assertEqual(rc, 0)
        self.assertEqual([m["error"]["code"] for m in out], [-32700, -32600, -32600, -32600], out)
        self.assertEqual(out[1]["id"], 5)
        self.assertIn("refused a message", err)

    def test_upstream_rejecting_the_credential_is_a_json_rpc_error(self):
        before = self.status()["unauthorized"]
        out, err, rc = stdio_exchange(self.agent_env(), "badsecret", [INIT])
        self.assertEqual(rc, 0)
        self.assertEqual(len(out), 1, out)
        self.assertEqual(out[0]["id"], 1)
        self.assertEqual(out[0]["error"]["code"], -32000)
        self.assertEqual(out[0]["error"]["data"]["http_status"], 401)
        self.assertIn("401", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertGreater(self.status()["unauthorized"], before)
        self.assertNotIn(SECRET, json.dumps(out) + err)
        self.assertNotIn("not-the-secret", json.dumps(out) + err)

    def test_route_the_agent_may_not_use_is_refused(self):
        for agent, route in (("other", "tools"), ("claude", "no-such-route")):
            out, err, _ = stdio_exchange(self.agent_env(agent), route, [INIT])
            self.assertEqual(out[0]["error"]["code"], -32000, (agent, route, out))
            self.assertEqual(out[0]["error"]["data"]["http_status"], 403)
            self.assertIn("notmed refused", err)

    def test_unknown_route_for_the_human_is_not_found(self):
        out, err, _ = stdio_exchange(dict(self.d.env, NOTME_SOCKET=self.d.control), "nope", [INIT])
        self.assertEqual(out[0]["error"]["data"]["http_status"], 404)
        self.assertIn("no route", err)

    def test_daemon_down_answers_every_request_with_an_error(self):
        sock = os.path.join(self.d.root, "absent.sock")
        out, err, rc = stdio_exchange(self.agent_env(sock=sock), "tools", [
            INIT, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, INITIALIZED])
        self.assertEqual(rc, 0)
        self.assertEqual(sorted(m["id"] for m in out), [1, 2], out)
        self.assertTrue(all(m["error"]["code"] == -32000 for m in out))
        self.assertIn("cannot reach notmed", err)

    def test_usage_errors(self):
        r = subprocess.run([NOTME, "mcp", "Bad Route!"], env=self.agent_env(), capture_output=True,
                           timeout=10, input=b"")
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([NOTME, "mcp", "tools", "--path", "mcp"], env=self.agent_env(),
                           capture_output=True, timeout=10, input=b"")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    if not WORK or not NOTME:
        print("MCP_NODE_DIR and NOTME must be set (tests/integration/mcp.cmake)", file=sys.stderr)
        sys.exit(2)
    problem = prepare_node_dir()
    if problem:
        print("mcp_integration: " + problem, file=sys.stderr)
        sys.exit(1 if os.environ.get("CI", "").lower() == "true" else SKIP)
    unittest.main()
