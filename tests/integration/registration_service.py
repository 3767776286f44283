#!/usr/bin/python3
"""A loopback agentic-registration service for notme's tests, written from the protocol
text (AUTH.md of workos/auth.md, RFC 9728, RFC 8414, the ID-JAG draft). Stdlib http.server
plus jwcrypto for ID-JAG verification.

Usage: registration_service.py --outbox FILE [--mode MODE] [--trust-jwks URL --trust-issuer ISS]
Prints "PORT <n>" on stdout once listening on 127.0.0.1.

The "email" the service sends (claim links with the OTP) is appended to --outbox as JSON
lines {"email","registration_id","otp"}: the test reads it like the human reads the page.

Modes (hostile answers for negative tests): normal, evil_register_uri, evil_claim_uri,
wrong_resource, oversized_prm, malformed_prm, oversized_register, malformed_register,
no_agent_auth, wrong_issuer, header_injection, rate_limited, evil_token_endpoint,
malformed_token.

--variant service_signed is the agent-services guide's shape: `registration_endpoint` /
`claim_endpoint` names, /agent/register answers (and email claims complete) with a
service-signed `identity_assertion` (typ oauth-id-jag+jwt, sub = the registration id)
instead of a credential, and POST /oauth2/token (RFC 7523 JWT-bearer grant, form body)
exchanges it for an access token living --token-ttl seconds.
"""
import argparse
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import urllib.parse

from jwcrypto import jwk, jws, jwt
from jwcrypto.common import json_decode

ARGS = None
LOCK = threading.Lock()
REGISTRATIONS = {}   # registration_id -> dict
CLAIMS = {}          # sha256(claim_token) -> registration_id
CREDENTIALS = {}     # sha256(credential) -> {"registration_id", "scopes", "revoked"}
SEEN_JTI = {}        # jti -> expiry
SERVICE_KEY = jwk.JWK.generate(kty="OKP", crv="Ed25519")  # signs identity_assertions
ASSERTION_TTL = 30 * 86400
OTP_TTL = 600
CLAIM_TTL = 3600


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    # -- helpers ---------------------------------------------------------------
    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def send_json(self, status, obj, raw=None, headers=()):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message="", headers=()):
        self.send_json(status, {"error": code, "message": message}, headers=headers)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 65536:
            return None
        try:
            obj = json.loads(self.rfile.read(n) or b"null")
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None

    def challenge(self):
        return ("WWW-Authenticate",
                'Bearer resource_metadata="%s/.well-known/oauth-protected-resource"' % self.base())

    # -- discovery -------------------------------------------------------------
    def prm(self):
        b = self.base()
        resource = b + "/" if ARGS.mode != "wrong_resource" else "http://127.0.0.1:1/"
        return {"resource": resource, "resource_name": "Test Service",
                "resource_logo_uri": b + "/logo.png", "authorization_servers": [b + "/"],
                "scopes_supported": ["api.read", "api.write"],
                "bearer_methods_supported": ["header"]}

    def asm(self):
        b = self.base()
        if ARGS.variant == "service_signed":
            return self.asm_service_signed()
        register = b + "/agent/auth"
        claim = b + "/agent/auth/claim"
        if ARGS.mode == "evil_register_uri":
            register = "http://127.0.0.2:%d/agent/auth" % self.server.server_address[1]
        if ARGS.mode == "evil_claim_uri":
            claim = "https://evil.example.net/agent/auth/claim"
        doc = {"resource": b + "/", "issuer": b if ARGS.mode != "wrong_issuer" else "http://127.0.0.1:1",
               "authorization_servers": [b + "/"], "scopes_supported": ["api.read", "api.write"],
               "agent_auth": {
                   "skill": b + "/auth.md", "register_uri": register, "claim_uri": claim,
                   "revocation_uri": b + "/agent/auth/revoke",
                   "identity_types_supported": ARGS.identity_types.split(","),
                   "anonymous": {"credential_types_supported": ["api_key"]},
                   "identity_assertion": {
                       "assertion_types_supported": ARGS.assertion_types.split(","),
                       "credential_types_supported": ["access_token", "api_key"]}}}
        if ARGS.mode == "no_agent_auth":
            del doc["agent_auth"]
        return doc

    def asm_service_signed(self):
        # The agent-services guide's AS metadata: RFC 8414 endpoints + the agent_auth block.
        b = self.base()
        token = b + "/oauth2/token"
        if ARGS.mode == "evil_token_endpoint":
            token = "http://127.0.0.2:%d/oauth2/token" % self.server.server_address[1]
        return {"resource": b + "/", "issuer": b, "authorization_servers": [b + "/"],
                "scopes_supported": ["api.read", "api.write"], "bearer_methods_supported": ["header"],
                "token_endpoint": token, "revocation_endpoint": b + "/oauth2/revoke",
                "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
                "agent_auth": {
                    "skill": b + "/auth.md", "registration_endpoint": b + "/agent/register",
                    "claim_endpoint": b + "/agent/register/claim",
                    "identity_types_supported": ARGS.identity_types.split(","),
                    "identity_assertion": {"assertion_types_supported": ARGS.assertion_types.split(",")}}}

    def service_assertion(self, reg):
        """A service-signed identity_assertion: sub = the registration id, aud = this AS."""
        now = int(time.time())
        reg["assertion_expires"] = now + ASSERTION_TTL
        token = jwt.JWT(header={"typ": "oauth-id-jag+jwt", "alg": "EdDSA", "kid": "svc"},
                        claims={"iss": self.base(), "aud": self.base(), "sub": reg["id"],
                                "jti": secrets.token_hex(16), "iat": now, "exp": reg["assertion_expires"]})
        token.make_signed_token(SERVICE_KEY)
        return token.serialize()

    def assertion_answer(self, reg, rtype, scopes_name):
        return {"registration_id": reg["id"], "registration_type": rtype,
                "identity_assertion": self.service_assertion(reg),
                "assertion_expires": iso(reg["assertion_expires"]), scopes_name: reg["scopes"]}

    def token(self):
        """POST /oauth2/token: RFC 7523 §2.1 JWT-bearer grant, RFC 6749 §5.1/§5.2 answers."""
        n = int(self.headers.get("Content-Length") or 0)
        if n > 65536 or self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return self.send_json(400, {"error": "invalid_request", "error_description": "form body required"})
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(), strict_parsing=True)
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return self.send_json(400, {"error": "unsupported_grant_type"})
        if form.get("resource") != [self.base() + "/"]:
            return self.send_json(400, {"error": "invalid_target"})
        try:
            t = jwt.JWT(jwt=form.get("assertion", [""])[0], key=SERVICE_KEY,
                        check_claims={"iss": self.base(), "aud": self.base(), "exp": None})
            header = json.loads(t.header)
            claims = json.loads(t.claims)
        except Exception:
            return self.send_json(400, {"error": "invalid_grant", "error_description": "bad assertion"})
        if header.get("typ") != "oauth-id-jag+jwt":
            return self.send_json(400, {"error": "invalid_grant"})
        with LOCK:
            reg = REGISTRATIONS.get(claims.get("sub"))
            if reg is None or reg.get("assertion_revoked"):
                return self.send_json(400, {"error": "invalid_grant"})
            if reg["type"] == "email-verification" and not reg["claimed"]:
                return self.send_json(400, {"error": "insufficient_user_authentication"})
            reg["exchanges"] = reg.get("exchanges", 0) + 1
            if ARGS.mode == "malformed_token":
                return self.send_json(200, None, raw=b'{"access_token": "at_1", "token_type": ')
            cred = self.new_credential(reg, "access_token")
            CREDENTIALS[h(cred)]["expires"] = time.time() + ARGS.token_ttl
            return self.send_json(200, {"access_token": cred, "token_type": "Bearer",
                                        "expires_in": ARGS.token_ttl, "scope": " ".join(reg["scopes"])})

    # -- routes ----------------------------------------------------------------
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/.well-known/oauth-protected-resource":
            if ARGS.mode == "oversized_prm":
                return self.send_json(200, None, raw=b'{"x":"' + b"a" * (1 << 20) + b'"}')
            if ARGS.mode == "malformed_prm":
                return self.send_json(200, None, raw=b'{"resource": "http://127.0.0.1/",')
            return self.send_json(200, self.prm())
        if path == "/.well-known/oauth-authorization-server":
            return self.send_json(200, self.asm())
        if path.startswith("/api/"):
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                return self.error(401, "invalid_token", "no credential", headers=[self.challenge()])
            with LOCK:
                cred = CREDENTIALS.get(h(auth[7:]))
            if cred is None or cred["revoked"] or cred.get("expires", float("inf")) < time.time():
                return self.error(401, "invalid_token", "unknown or revoked credential",
                                  headers=[self.challenge()])
            reg = REGISTRATIONS[cred["registration_id"]]
            return self.send_json(200, {"ok": True, "registration_id": reg["id"],
                                        "scopes": reg["scopes"], "email": reg.get("email")})
        return self.error(404, "not_found")

    def do_POST(self):
        path = self.path.split("?")[0]
        if path == "/oauth2/token" and ARGS.variant == "service_signed":
            return self.token()  # a form body, not JSON
        body = self.read_json()
        if path == "/_test/revoke_all":
            with LOCK:
                for c in CREDENTIALS.values():
                    c["revoked"] = True
            return self.send_json(200, {"ok": True})
        if path == "/_test/expire_tokens":
            with LOCK:
                for c in CREDENTIALS.values():
                    c["expires"] = 0
            return self.send_json(200, {"ok": True})
        if path == "/_test/stats":
            with LOCK:
                return self.send_json(200, {"exchanges": sum(r.get("exchanges", 0) for r in REGISTRATIONS.values())})
        if path == "/_test/expire_otps":
            with LOCK:
                for r in REGISTRATIONS.values():
                    r["otp_expires"] = 0
            return self.send_json(200, {"ok": True})
        if body is None:
            return self.error(400, "invalid_request", "body must be a JSON object")
        prefix = "/agent/register" if ARGS.variant == "service_signed" else "/agent/auth"
        if path == prefix:
            return self.register(body)
        if path == prefix + "/claim":
            return self.claim(body)
        if path == prefix + "/claim/complete":
            return self.complete(body)
        return self.error(404, "not_found")

    def new_credential(self, reg, ctype):
        cred = ("sk_test_" if ctype == "api_key" else "at_") + secrets.token_urlsafe(24)
        CREDENTIALS[h(cred)] = {"registration_id": reg["id"], "revoked": False}
        return cred

    def new_claim(self, reg):
        token = "clm_" + secrets.token_urlsafe(20)
        CLAIMS[h(token)] = reg["id"]
        reg["claim_expires"] = time.time() + CLAIM_TTL
        return token

    def send_otp(self, reg, email):
        otp = "%06d" % secrets.randbelow(1000000)
        reg["otp_hash"] = h(otp)
        reg["otp_expires"] = time.time() + OTP_TTL
        reg["email"] = email
        with open(ARGS.outbox, "a") as f:
            f.write(json.dumps({"email": email, "registration_id": reg["id"], "otp": otp}) + "\n")

    def register(self, body):
        if ARGS.mode == "rate_limited":
            return self.error(429, "rate_limited", "slow down")
        if ARGS.mode == "oversized_register":
            return self.send_json(200, None, raw=b'{"registration_id":"' + b"r" * (1 << 20) + b'"}')
        if ARGS.mode == "malformed_register":
            return self.send_json(200, None, raw=b'{"registration_id": "reg_1", "credential": ')
        rtype = body.get("type")
        ctype = body.get("requested_credential_type", "api_key")
        base = self.base() + "/agent/auth/claim"
        with LOCK:
            reg = {"id": "reg_" + secrets.token_hex(8), "scopes": ["api.read"], "claimed": False}
            if rtype == "anonymous":
                if "anonymous" not in ARGS.identity_types.split(","):
                    return self.error(400, "anonymous_not_enabled")
                if ctype != "api_key":
                    return self.error(400, "unsupported_credential_type")
                reg["type"] = "anonymous"
                REGISTRATIONS[reg["id"]] = reg
                if ARGS.variant == "service_signed":
                    answer = self.assertion_answer(reg, "anonymous", "pre_claim_scopes")
                    answer.update({"claim_url": "/agent/register/claim", "claim_token": self.new_claim(reg),
                                   "claim_token_expires": iso(reg["claim_expires"]),
                                   "post_claim_scopes": ["api.read", "api.write"]})
                    return self.send_json(200, answer)
                cred = self.new_credential(reg, ctype)
                if ARGS.mode == "header_injection":
                    cred = "sk_evil\r\nX-Injected: 1"
                return self.send_json(200, {
                    "registration_id": reg["id"], "registration_type": "anonymous",
                    "credential_type": "api_key", "credential": cred, "credential_expires": None,
                    "scopes": reg["scopes"], "claim_url": base, "claim_token": self.new_claim(reg),
                    "claim_token_expires": iso(reg["claim_expires"]),
                    "post_claim_scopes": ["api.read", "api.write"]})
            if rtype != "identity_assertion":
                return self.error(400, "invalid_request", "unknown type")
            atype = body.get("assertion_type")
            if atype not in ARGS.assertion_types.split(","):
                return self.error(400, "verified_email_not_enabled" if atype == "verified_email"
                                  else "issuer_not_enabled")
            if atype == "verified_email":
                email = body.get("assertion")
                if not isinstance(email, str) or "@" not in email:
                    return self.error(400, "invalid_request", "assertion must be an email")
                reg["type"] = "email-verification"
                reg["ctype"] = ctype
                REGISTRATIONS[reg["id"]] = reg
                token = self.new_claim(reg)
                self.send_otp(reg, email)
                return self.send_json(200, {
                    "registration_id": reg["id"], "registration_type": "email-verification",
                    "claim_url": base, "claim_token": token,
                    "claim_token_expires": iso(reg["claim_expires"]),
                    "post_claim_scopes": ["api.read", "api.write"]})
            # ID-JAG
            claims, err = self.verify_idjag(body.get("assertion"))
            if err:
                return self.error(400, err)
            reg["type"] = "agent-provider"
            reg["scopes"] = ["api.read", "api.write"]
            reg["email"] = claims["email"]
            reg["sub"] = claims["sub"]
            reg["agent"] = claims.get("agent")
            REGISTRATIONS[reg["id"]] = reg
            if ARGS.variant == "service_signed":
                return self.send_json(200, self.assertion_answer(reg, "agent-provider", "scopes"))
            return self.send_json(200, {
                "registration_id": reg["id"], "registration_type": "agent-provider",
                "credential_type": ctype, "credential": self.new_credential(reg, ctype),
                "credential_expires": iso(time.time() + 3600), "scopes": reg["scopes"]})

    def verify_idjag(self, assertion):
        if not ARGS.trust_jwks or not isinstance(assertion, str):
            return None, "issuer_not_enabled"
        try:
            header = json_decode(jws.base64url_decode(assertion.split(".")[0]))
        except Exception:
            return None, "invalid_request"
        if header.get("typ") != "oauth-id-jag+jwt":
            return None, "invalid_request"
        with urllib.request.urlopen(ARGS.trust_jwks, timeout=5) as r:
            keys = jwk.JWKSet.from_json(r.read())
        key = keys.get_key(header.get("kid", ""))
        if key is None:
            return None, "invalid_signature"
        token = jws.JWS()
        try:
            token.deserialize(assertion)
            token.verify(key, alg=header.get("alg"))
        except Exception:
            return None, "invalid_signature"
        claims = json.loads(token.payload)
        now = time.time()
        if claims.get("iss") != ARGS.trust_issuer:
            return None, "issuer_not_enabled"
        if claims.get("aud") != self.base() + "/":
            return None, "audience_mismatch"
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
            return None, "credential_expired"
        if claims["exp"] - claims.get("iat", 0) > 300 or claims.get("iat", 0) > now + 60:
            return None, "invalid_request"
        if claims.get("email_verified") is not True or not claims.get("client_id"):
            return None, "invalid_request"
        jti = claims.get("jti")
        if not jti or jti in SEEN_JTI:
            return None, "replay_detected"
        SEEN_JTI[jti] = claims["exp"] + 60
        return claims, None

    def find_claim(self, body):
        token = body.get("claim_token")
        reg_id = CLAIMS.get(h(token)) if isinstance(token, str) else None
        return REGISTRATIONS.get(reg_id) if reg_id else None

    def claim(self, body):
        with LOCK:
            reg = self.find_claim(body)
            if reg is None:
                return self.error(400, "invalid_claim_token")
            if reg["claimed"]:
                return self.error(409, "previously_claimed")
            if reg["claim_expires"] < time.time():
                return self.error(410, "claim_expired")
            email = body.get("email")
            if not isinstance(email, str) or "@" not in email:
                return self.error(400, "invalid_request", "email required")
            self.send_otp(reg, email)
            return self.send_json(200, {"registration_id": reg["id"], "claim_attempt_id": "cla_" + secrets.token_hex(6),
                                        "status": "initiated", "expires_at": iso(reg["otp_expires"])})

    def complete(self, body):
        with LOCK:
            reg = self.find_claim(body)
            if reg is None:
                return self.error(400, "invalid_claim_token")
            if reg["claimed"]:
                return self.error(409, "previously_claimed")
            if reg["claim_expires"] < time.time():
                return self.error(410, "claim_expired")
            otp = body.get("otp")
            if "otp_hash" not in reg or not isinstance(otp, str) or h(otp) != reg["otp_hash"]:
                return self.error(401, "otp_invalid")
            if reg["otp_expires"] < time.time():
                return self.error(410, "otp_expired")
            reg["claimed"] = True
            reg["scopes"] = ["api.read", "api.write"]
            if reg["type"] == "anonymous":
                return self.send_json(200, {"registration_id": reg["id"], "status": "claimed"})
            if ARGS.variant == "service_signed":
                answer = self.assertion_answer(reg, reg["type"], "scopes")
                answer["status"] = "claimed"
                return self.send_json(200, answer)
            ctype = reg.get("ctype", "api_key")
            expires = iso(time.time() + ARGS.credential_ttl) if ARGS.credential_ttl is not None else None
            return self.send_json(200, {"registration_id": reg["id"], "status": "claimed",
                                        "credential_type": ctype,
                                        "credential": self.new_credential(reg, ctype),
                                        "credential_expires": expires, "scopes": reg["scopes"]})


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--outbox", required=True)
    p.add_argument("--mode", default="normal")
    p.add_argument("--trust-jwks", default="")
    p.add_argument("--trust-issuer", default="")
    p.add_argument("--identity-types", default="anonymous,identity_assertion")
    p.add_argument("--assertion-types",
                   default="urn:ietf:params:oauth:token-type:id-jag,verified_email")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--variant", default="direct", choices=["direct", "service_signed"])
    p.add_argument("--token-ttl", type=int, default=3600)
    # credential_expires of an email claim's credential, seconds from now (default: null).
    p.add_argument("--credential-ttl", type=int, default=None)
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    # Bounded lifetime: a test that dies never leaves the service running for long.
    threading.Timer(300, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
