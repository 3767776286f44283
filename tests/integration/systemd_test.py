#!/usr/bin/python3
"""notmed's own sd_listen_fds/sd_notify (daemon/systemd.cpp) against real peers:
systemd-socket-activate passes the control socket (LISTEN_FDS/LISTEN_FDNAMES) and a
datagram socket receives READY=1 and STOPPING=1 through NOTIFY_SOCKET (path and abstract).
Malformed activation variables make notmed refuse to start."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

NOTMED = os.environ.get("NOTMED", "")
ACTIVATE = shutil.which("systemd-socket-activate")


class Env:
    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="notme-sd-", dir="/tmp")
        self.rt = os.path.join(self.home, "rt")
        os.makedirs(os.path.join(self.home, "r"), mode=0o700)
        self.control = os.path.join(self.rt, "control.sock")
        self.vars = {"HOME": self.home, "XDG_CONFIG_HOME": f"{self.home}/c",
                     "XDG_STATE_HOME": f"{self.home}/s", "XDG_RUNTIME_DIR": f"{self.home}/r",
                     "NOTME_RUNTIME_DIR": self.rt}

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)


@unittest.skipUnless(NOTMED and ACTIVATE, "needs NOTMED and systemd-socket-activate")
class SocketActivationTest(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        os.makedirs(self.env.rt, mode=0o700)
        self.receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.receiver.settimeout(20)

    def tearDown(self):
        self.receiver.close()
        self.env.close()

    def start(self, notify_socket, extra_env=()):
        env = dict(self.env.vars, NOTIFY_SOCKET=notify_socket, PATH=os.environ.get("PATH", ""))
        # systemd-socket-activate passes only LISTEN_* and the variables named with -E.
        cmd = [ACTIVATE, "-l", self.env.control, "--fdname=control"]
        for name in list(self.env.vars) + ["NOTIFY_SOCKET"]:
            cmd += ["-E", name]
        for assignment in extra_env:
            cmd += ["-E", assignment]
        cmd += [NOTMED, "--keyring", "ephemeral"]
        if os.path.exists(self.env.control):
            os.unlink(self.env.control)  # left by the previous run: wait for the new one
        daemon = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        return daemon

    def ask_metadata(self):
        # The socket file appears at bind(), a moment before listen(): retry, bounded.
        for attempt in range(200):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(20)
            try:
                c.connect(self.env.control)
                break
            except (ConnectionRefusedError, FileNotFoundError):
                c.close()
                if attempt == 199:
                    raise
                time.sleep(0.025)
        with c:
            c.sendall(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\n"
                      b"Host: notme.localhost\r\nConnection: close\r\n\r\n")
            answer = b""
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    return answer
                answer += chunk

    def run_lifecycle(self, notify_socket):
        daemon = self.start(notify_socket)
        try:
            # The first connection makes systemd-socket-activate exec notmed with fd 3.
            self.assertTrue(self.ask_metadata().startswith(b"HTTP/1.1 200"))
            self.assertEqual(self.receiver.recv(256), b"READY=1")
            daemon.terminate()
            self.assertEqual(self.receiver.recv(256), b"STOPPING=1")
            _, err = daemon.communicate(timeout=20)
            self.assertEqual(daemon.returncode, 0, err)
            self.assertIn("using the socket-activated control socket (fd 3)", err)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()

    def test_activated_socket_and_notifications_to_an_abstract_socket(self):
        name = f"notme-sd-test-{os.getpid()}"
        self.receiver.bind("\0" + name)
        self.run_lifecycle("@" + name)

    def test_notifications_to_a_socket_path(self):
        path = os.path.join(self.env.home, "notify")
        self.receiver.bind(path)
        self.run_lifecycle(path)

    def test_malformed_activation_variables_refuse_to_start(self):
        self.receiver.bind(os.path.join(self.env.home, "notify"))
        for extra, why in [(["LISTEN_FDNAMES=control:extra"], "LISTEN_FDNAMES names 2 fds"),
                           (["LISTEN_FDNAMES=con trol"], "LISTEN_FDNAMES has an empty")]:
            with self.subTest(extra=extra):
                daemon = self.start(os.path.join(self.env.home, "notify"), extra)
                try:
                    try:
                        self.ask_metadata()
                    except OSError:
                        pass
                    _, err = daemon.communicate(timeout=20)
                finally:
                    if daemon.poll() is None:
                        daemon.kill()
                        daemon.wait()
                self.assertNotEqual(daemon.returncode, 0)
                self.assertIn(why, err)
                self.assertIn("refusing to start", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
