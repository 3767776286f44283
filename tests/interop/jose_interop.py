#!/usr/bin/python3
"""Interop checks of notme's lib/jose against jwcrypto (python3-jwcrypto, Debian).

Run by tests/lib/jose/interop_test.cpp with /usr/bin/python3:

  jose_interop.py verify-jwt DIR
      DIR/token holds an EdDSA JWT made by notme, DIR/jwk.json its public JWK. Verifies
      the signature with jwcrypto (EdDSA only), checks typ/kid, prints the claims as JSON.

  jose_interop.py make-proofs DIR HTM HTU IAT ACCESS_TOKEN
      Writes DPoP proofs made by jwcrypto for notme to validate: DIR/eddsa_proof,
      DIR/es256_proof (with ath for ACCESS_TOKEN), DIR/tampered_proof (an EdDSA proof
      whose claims were changed after signing) and the keys' RFC 7638 thumbprints in
      DIR/eddsa_jkt and DIR/es256_jkt. Only public keys leave this process.
"""
import base64
import hashlib
import json
import os
import sys
import uuid

from jwcrypto import jwk, jws, jwt


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def write(directory: str, name: str, text: str) -> None:
    with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
        f.write(text)


def verify_jwt(directory: str) -> int:
    with open(os.path.join(directory, "token"), encoding="utf-8") as f:
        token = f.read().strip()
    with open(os.path.join(directory, "jwk.json"), encoding="utf-8") as f:
        key = jwk.JWK(**json.load(f))
    if key.has_private:
        print("public JWK expected", file=sys.stderr)
        return 1
    verified = jwt.JWT(jwt=token, key=key, algs=["EdDSA"], check_claims={})
    header = json.loads(verified.header)
    if header.get("alg") != "EdDSA" or header.get("typ") != "at+jwt":
        print("unexpected header %r" % header, file=sys.stderr)
        return 1
    print(json.dumps({"header": header, "claims": json.loads(verified.claims)}))
    return 0


def proof(key: jwk.JWK, alg: str, claims: dict) -> str:
    header = {"typ": "dpop+jwt", "alg": alg, "jwk": key.export_public(as_dict=True)}
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    token.add_signature(key, alg=alg, protected=json.dumps(header))
    return token.serialize(compact=True)


def make_proofs(directory: str, htm: str, htu: str, iat: int, access_token: str) -> int:
    ed = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    ec = jwk.JWK.generate(kty="EC", crv="P-256")
    base = {"htm": htm, "htu": htu, "iat": iat}
    write(directory, "eddsa_proof", proof(ed, "EdDSA", dict(base, jti=str(uuid.uuid4()))))
    ath = b64url(hashlib.sha256(access_token.encode("ascii")).digest())
    write(directory, "es256_proof",
          proof(ec, "ES256", dict(base, jti=str(uuid.uuid4()), ath=ath)))
    good = proof(ed, "EdDSA", dict(base, jti=str(uuid.uuid4())))
    head, _, sig = good.split(".")
    forged = b64url(json.dumps(dict(base, jti=str(uuid.uuid4()), htm="DELETE"),
                               separators=(",", ":")).encode("utf-8"))
    write(directory, "tampered_proof", ".".join([head, forged, sig]))
    write(directory, "eddsa_jkt", ed.thumbprint())
    write(directory, "es256_jkt", ec.thumbprint())
    return 0


def main(argv: list) -> int:
    if len(argv) == 3 and argv[1] == "verify-jwt":
        return verify_jwt(argv[2])
    if len(argv) == 7 and argv[1] == "make-proofs":
        return make_proofs(argv[2], argv[3], argv[4], int(argv[5]), argv[6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
