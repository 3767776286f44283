"""Test harness for notmed integration tests: starts the real daemon on a temporary
runtime dir with temporary HOME/XDG dirs and `--keyring ephemeral`, and talks to it as
clients do (HTTP/1.1 over AF_UNIX, DPoP proofs made with jwcrypto)."""

import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid

from jwcrypto import jwk, jws, jwt

NOTMED = os.environ.get("NOTMED", "")
ISSUER = "http://notme.localhost"
TOKEN_ENDPOINT = ISSUER + "/token"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("notme.localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def request(sock_path, method, path, body=None, headers=None):
    conn = UnixHTTPConnection(sock_path)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = list((headers or {}).items()) if isinstance(headers, dict) else list(headers or [])
        if body is not None and not any(k.lower() == "content-length" for k, _ in hdrs):
            hdrs.append(("Content-Length", str(len(body))))
        for k, v in hdrs:
            conn.putheader(k, v)
        conn.endheaders(body if body is not None else None)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def raw_request(sock_path, data: bytes, timeout=5.0) -> bytes:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


class ProofKey:
    """A client's DPoP key (EdDSA or ES256), making proofs with jwcrypto."""

    def __init__(self, alg="EdDSA"):
        self.alg = alg
        if alg == "EdDSA":
            self.key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
        else:
            self.key = jwk.JWK.generate(kty="EC", crv="P-256")
        self.public = json.loads(self.key.export_public())

    def thumbprint(self):
        return self.key.thumbprint()

    def proof(self, htm="POST", htu=TOKEN_ENDPOINT, iat=None, jti=None, nonce=None,
              access_token=None, header_extra=None, claims_extra=None, alg=None, jwk_member=None):
        header = {"typ": "dpop+jwt", "alg": alg or self.alg,
                  "jwk": jwk_member if jwk_member is not None else self.public}
        if header_extra:
            header.update(header_extra)
        claims = {"jti": jti or uuid.uuid4().hex, "htm": htm, "htu": htu,
                  "iat": int(time.time()) if iat is None else iat}
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
        if claims_extra:
            claims.update(claims_extra)
        t = jwt.JWT(header=header, claims=claims)
        t.make_signed_token(self.key)
        return t.serialize()


def unsigned_proof(claims_htu=TOKEN_ENDPOINT, key=None):
    """An alg=none proof (must be refused)."""
    header = {"typ": "dpop+jwt", "alg": "none", "jwk": (key or ProofKey()).public}
    claims = {"jti": uuid.uuid4().hex, "htm": "POST", "htu": claims_htu, "iat": int(time.time())}
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode()) + "."


def hs256_proof():
    k = jwk.JWK.generate(kty="oct", size=256)
    header = {"typ": "dpop+jwt", "alg": "HS256", "jwk": json.loads(k.export())}
    claims = {"jti": uuid.uuid4().hex, "htm": "POST", "htu": TOKEN_ENDPOINT, "iat": int(time.time())}
    t = jwt.JWT(header=header, claims=claims)
    t.make_signed_token(k)
    return t.serialize()


def form(**fields):
    return urllib.parse.urlencode(fields).encode()


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class Daemon:
    """One notmed process on a fresh temporary tree under /tmp (short socket paths)."""

    def __init__(self, extra_args=(), root=None, runtime_dir=None, start=True, env_extra=None):
        self.root = root or tempfile.mkdtemp(prefix="nmd", dir="/tmp")
        os.chmod(self.root, 0o700)
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home, mode=0o700, exist_ok=True)
        self.config_home = os.path.join(self.root, "cfg")
        self.state_home = os.path.join(self.root, "st")
        self.runtime = runtime_dir or os.path.join(self.root, "run")
        self.control = os.path.join(self.runtime, "control.sock")
        self.config_dir = os.path.join(self.config_home, "notme")
        self.state_dir = os.path.join(self.state_home, "notme")
        self.extra_args = list(extra_args)
        self.env = {"HOME": self.home, "XDG_CONFIG_HOME": self.config_home,
                    "XDG_STATE_HOME": self.state_home, "PATH": "/usr/bin:/bin",
                    "XDG_RUNTIME_DIR": os.path.join(self.root, "xdgrun")}
        if env_extra:
            self.env.update(env_extra)
        self.proc = None
        self.stderr_path = os.path.join(self.root, "notmed.stderr")
        if start:
            self.start()

    def args(self):
        return [NOTMED, "--runtime-dir", self.runtime, "--keyring", "ephemeral",
                "--human", "tester@example.test"] + self.extra_args

    def start(self, wait=True):
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.args(), env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, close_fds=True)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("notmed exited: %s" % self.log())
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.control)
                return
            except OSError:
                time.sleep(0.01)
            finally:
                s.close()
        raise RuntimeError("notmed not ready: %s" % self.log())

    def run_to_exit(self, timeout=10):
        """Starts and waits for exit (for startup refusals); returns (rc, stderr)."""
        r = subprocess.run(self.args(), env=self.env, capture_output=True, timeout=timeout)
        return r.returncode, r.stderr.decode(errors="replace")

    def log(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "stderr", None):
            self.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- client helpers -------------------------------------------------------------
    def agent_socket(self, name):
        return os.path.join(self.runtime, "agents", name + ".sock")

    def get(self, path, sock=None):
        return request(sock or self.control, "GET", path)

    def post_json(self, path, obj, sock=None):
        return request(sock or self.control, "POST", path, json.dumps(obj).encode(),
                       {"Content-Type": "application/json"})

    def add_agent(self, name, scopes, audiences=()):
        r = self.post_json("/v1/agents", {"name": name, "scopes": list(scopes),
                                          "audiences": list(audiences)})
        assert r.status == 201, r
        return r.json()

    def mint(self, key=None, sock=None, proof=None, dpop_headers=None, **fields):
        key = key or ProofKey()
        body = form(grant_type="client_credentials", **fields)
        headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if dpop_headers is not None:
            headers += [("DPoP", p) for p in dpop_headers]
        else:
            headers.append(("DPoP", proof if proof is not None else key.proof()))
        return request(sock or self.control, "POST", "/token", body, headers)

    def introspect(self, token, sock=None):
        return request(sock or self.control, "POST", "/introspect", form(token=token), FORM_HEADERS)

    def jwks(self):
        return jwk.JWKSet.from_json(self.get("/.well-known/jwks.json").body.decode())

    def verify(self, token):
        """Verifies an access token with jwcrypto against the daemon's JWKS."""
        t = jwt.JWT(jwt=token, key=self.jwks(), algs=["EdDSA"],
                    check_claims={"iss": ISSUER, "exp": None})
        return json.loads(t.header), json.loads(t.claims)
