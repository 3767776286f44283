#!/usr/bin/python3
"""Benchmark (issue 5): whole-process `git commit` medians, in one run —
  unsigned          git commit
  ssh-keygen        git commit -S with a plain key file and the real ssh-keygen
  notme-ssh-sign    git commit -S through the shim on an agent socket (token + sign)
The shim must add at most half of what ssh-keygen adds over an unsigned commit.

Usage: ssh_bench.py NOTMED NOTME NOTME_SSH_SIGN [--rounds N] [--check]
Runs notmed with --keyring ephemeral in a temporary HOME (no keyring needed)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notmed")
    ap.add_argument("notme")
    ap.add_argument("shim")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    a.notmed, a.notme, a.shim = (os.path.abspath(p) for p in (a.notmed, a.notme, a.shim))
    home = tempfile.mkdtemp(prefix="notme-sshb-", dir="/tmp")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTME_", "GIT_", "XDG_"))}
    env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/c", XDG_STATE_HOME=f"{home}/s",
               XDG_RUNTIME_DIR=f"{home}/r", NOTME_RUNTIME_DIR=f"{home}/rt",
               GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="B", GIT_AUTHOR_EMAIL="b@example.com",
               GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@example.com")
    os.makedirs(f"{home}/r", mode=0o700)
    daemon = subprocess.Popen([a.notmed, "--keyring", "ephemeral"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(f"{home}/rt/control.sock"):
                break
            time.sleep(0.05)
        run = lambda *c, **k: subprocess.run(list(c), env=k.pop("e", env), check=True,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **k)
        run(a.notme, "agent", "add", "bench", "--scope", "git:sign")
        run(a.notme, "git", "setup", "--email", "b@example.com")
        repo = f"{home}/repo"
        run("git", "init", "-q", repo)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{home}/k")
        agent_env = dict(env, NOTME_SOCKET=f"{home}/rt/agents/bench.sock")
        base = ["git", "-C", repo, "commit", "-q", "--allow-empty", "-m", "x"]
        variants = {
            "unsigned": (base + ["--no-gpg-sign"], env),
            "ssh-keygen": (["git", "-C", repo, "-c", "gpg.format=ssh", "-c", "gpg.ssh.program=ssh-keygen",
                            "-c", f"user.signingkey={home}/k", "commit", "-q", "--allow-empty", "-S",
                            "-m", "x"], env),
            "notme-ssh-sign": (["git", "-C", repo, "-c", "gpg.format=ssh", "-c", f"gpg.ssh.program={a.shim}",
                                "-c", "user.signingkey=notme-agent:bench", "commit", "-q", "--allow-empty",
                                "-S", "-m", "x"], agent_env),
        }
        times = {k: [] for k in variants}
        for name, (cmd, e) in variants.items():  # warm up
            run(*cmd, e=e)
        for _ in range(a.rounds):
            for name, (cmd, e) in variants.items():
                t0 = time.perf_counter()
                run(*cmd, e=e)
                times[name].append((time.perf_counter() - t0) * 1000)
        med = {k: statistics.median(v) for k, v in times.items()}
        keygen_extra = med["ssh-keygen"] - med["unsigned"]
        shim_extra = med["notme-ssh-sign"] - med["unsigned"]
        print(f"rounds: {a.rounds} (interleaved), whole-process medians in ms")
        for k in variants:
            print(f"  {k:15s} {med[k]:7.2f}")
        print(f"  ssh-keygen adds {keygen_extra:.2f} ms; notme-ssh-sign adds {shim_extra:.2f} ms "
              f"(ratio {shim_extra / keygen_extra if keygen_extra > 0 else float('inf'):.2f}, target <= 0.50)")
        if a.check and shim_extra > 0.5 * keygen_extra:
            return 1
        return 0
    finally:
        daemon.terminate()
        daemon.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
