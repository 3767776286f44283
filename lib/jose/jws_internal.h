#pragma once
// Internal to lib/jose: the steps of JWS verification, shared by jws.cpp, jwt.cpp and
// dpop.cpp so that a DPoP proof's header is parsed once. Not for other layers: use
// VerifyCompact / VerifyJwt / DpopValidator, which return verified types.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jose/jwk.h"
#include "jose/jws.h"
#include "notme/result.h"

namespace notme::jose::internal {

// A split token with its strictly parsed (but unverified) protected header.
struct UnverifiedJws {
  JwsParts parts;  // views into the caller's string
  nlohmann::json header;
};

// base64url + ParseStrictJsonObject of a split token's header (depth ≤ 4).
Result<nlohmann::json> DecodeHeader(const JwsParts& parts);

// SplitCompact + DecodeHeader.
Result<UnverifiedJws> DecodeUnverified(std::string_view compact);

// Checks that `key` is of algorithm `alg`, verifies the signature over the signing input
// and only then decodes the payload, which it returns. Errors: kUnsupported (key/alg
// mismatch), kMalformed, kBadSignature.
Result<std::string> VerifySignatureAndDecodePayload(const JwsParts& parts, const PublicJwk& key,
                                                    JwsAlgorithm alg);

// The signing step of SignCompactEdDsa (jws_sign.cpp) for a protected header the caller
// wrote as compact JSON text. The caller guarantees it is an object with "alg":"EdDSA"
// and no "crit" (SignJwtText writes it from fixed members). Errors: kTooLarge.
Result<std::string> SignCompactEdDsaText(std::string_view header_json, std::string_view payload,
                                         const crypto::Ed25519SecretKey& key);

}  // namespace notme::jose::internal
