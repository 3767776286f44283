#pragma once
// Public JSON Web Keys (RFC 7517) of the two kinds notme verifies: OKP/Ed25519
// (RFC 8037 §2) and EC/P-256 (RFC 7518 §6.2), with RFC 7638 thumbprints.
//
// A PublicJwk can only hold a validated public key: parsing rejects any private member,
// so a client that sends its private key in a DPoP header is refused rather than used.
// Immutable after construction; copies are cheap (P-256 key state is shared); safe to
// share between threads.
//
// Linking: FromJson and VerifySignature (jwk_verify.cpp) are in notme_jose, which links
// OpenSSL for ES256; the rest is in notme_jose_core (libsodium only).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "crypto/es256.h"
#include "notme/result.h"

namespace notme::jose {

// JWS algorithms notme knows. Verification always takes the algorithm from the verifier's
// configuration or from the key type, never from a token header (RFC 8725 §3.1).
enum class JwsAlgorithm {
  kEdDSA,  // Ed25519 (RFC 8037 §3.1)
  kES256,  // ECDSA P-256 SHA-256 (RFC 7518 §3.4)
};

// "EdDSA" / "ES256".
std::string_view JwsAlgorithmName(JwsAlgorithm alg);
// Parses an `alg` value. Errors: kUnsupported for anything else ("none", "HS256", ...).
Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);

class PublicJwk {
 public:
  // Parses a JWK object. Accepts {"kty":"OKP","crv":"Ed25519","x"} and
  // {"kty":"EC","crv":"P-256","x","y"}; optional "kid", "use" (must be "sig"), "alg" (must
  // match the key type), "key_ops" and other members are ignored.
  // Errors: kMalformed (not an object, member of the wrong JSON type, bad base64url),
  // kInvalidKey (any private member: "d", "p", "q", "dp", "dq", "qi", "oth", "k"; wrong
  // coordinate length; point not on the curve / small-order Ed25519 point; alg or use
  // inconsistent with the key), kUnsupported (unknown kty or crv).
  static Result<PublicJwk> FromJson(const nlohmann::json& jwk);
  static PublicJwk FromEd25519(const crypto::Ed25519PublicKey& key);
  static PublicJwk FromP256(const crypto::P256PublicKey& key);

  // The algorithm this key verifies: kEdDSA for OKP/Ed25519, kES256 for EC/P-256.
  JwsAlgorithm algorithm() const;
  // JwsAlgorithmName(algorithm()).
  std::string_view Algorithm() const { return JwsAlgorithmName(algorithm()); }

  // RFC 7638 thumbprint: base64url(SHA-256(canonical JSON of the required members in
  // lexicographic order)), e.g. {"crv":"Ed25519","kty":"OKP","x":"..."}. Computed once at
  // construction.
  const std::string& Thumbprint() const { return thumbprint_; }

  // The public members only: kty, crv, x (and y for EC). No kid/alg/use.
  nlohmann::json ToJson() const;

  // Non-null iff the key is of that kind.
  const crypto::Ed25519PublicKey* ed25519() const;
  const crypto::P256PublicKey* p256() const;

  // Verifies a JWS signature (raw Ed25519 64 bytes, or ES256 r||s 64 bytes) over
  // `signing_input` with this key and its own algorithm.
  // Errors: kMalformed (signature of the wrong shape), kBadSignature.
  Result<void> VerifySignature(std::string_view signing_input,
                               std::span<const uint8_t> signature) const;

  bool operator==(const PublicJwk& other) const { return thumbprint_ == other.thumbprint_; }

 private:
  using Key = std::variant<crypto::Ed25519PublicKey, crypto::P256PublicKey>;
  explicit PublicJwk(Key key);
  Key key_;
  std::string thumbprint_;
};

}  // namespace notme::jose
