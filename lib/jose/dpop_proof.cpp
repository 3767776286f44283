// The client half of DPoP: creating proofs. Kept apart from the validator (dpop.cpp) so
// that a client such as notme-ssh-sign links only Ed25519 signing (libsodium) and not the
// validator's ES256 verification (OpenSSL), see lib/jose/CMakeLists.txt.
#include "jose/dpop.h"

#include "crypto/random.h"
#include "crypto/sha256.h"
#include "jose/base64url.h"
#include "jose/json.h"
#include "jose/jws.h"

namespace notme::jose {
namespace {

constexpr size_t kJtiRandomBytes = 16;

}  // namespace

std::string DpopAccessTokenHash(std::string_view access_token) {
  return Base64UrlEncode(crypto::Sha256(access_token));
}

Result<std::string> CreateDpopProof(const crypto::Ed25519SecretKey& key, std::string_view htm,
                                    std::string_view htu, int64_t iat,
                                    std::optional<std::string> nonce,
                                    std::optional<std::string> access_token) {
  if (htm.empty() || htu.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "dpop: htm and htu are required");
  }
  const nlohmann::json header = {{"typ", kDpopTyp},
                                 {"alg", "EdDSA"},
                                 {"jwk", PublicJwk::FromEd25519(key.public_key()).ToJson()}};
  nlohmann::json claims = {{"jti", Base64UrlEncode(crypto::RandomBytes(kJtiRandomBytes))},
                           {"htm", htm},
                           {"htu", htu},
                           {"iat", iat}};
  if (nonce) claims["nonce"] = *nonce;
  if (access_token) claims["ath"] = DpopAccessTokenHash(*access_token);
  return SignCompactEdDsa(header, DumpCompact(claims), key);
}

}  // namespace notme::jose
