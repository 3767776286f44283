# lib/jose fuzz targets: strict base64url, JWK parsing, JWS/JWT verification and the DPoP
# validator. Fixed keys and a fixed clock keep every run reproducible.
notme_add_fuzzer(base64url LIBS notme_jose)
notme_add_fuzzer(jwk LIBS notme_jose)
notme_add_fuzzer(jws LIBS notme_jose)
notme_add_fuzzer(dpop LIBS notme_jose)
