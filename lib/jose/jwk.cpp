#include "jose/jwk.h"

#include "crypto/sha256.h"
#include "jose/base64url.h"

namespace notme::jose {

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kEdDSA:
      return "EdDSA";
    case JwsAlgorithm::kES256:
      return "ES256";
  }
  return "unknown";
}

Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  if (name == "EdDSA") return JwsAlgorithm::kEdDSA;
  if (name == "ES256") return JwsAlgorithm::kES256;
  return Fail(ErrorCode::kUnsupported, "jws: unsupported algorithm");
}

PublicJwk::PublicJwk(Key key) : key_(std::move(key)) {
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace. The
  // values are base64url, so no JSON escaping is ever needed.
  std::string canonical;
  if (const auto* ed = std::get_if<crypto::Ed25519PublicKey>(&key_)) {
    canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + Base64UrlEncode(ed->bytes()) + "\"}";
  } else {
    const auto& ec = std::get<crypto::P256PublicKey>(key_);
    canonical = R"({"crv":"P-256","kty":"EC","x":")" + Base64UrlEncode(ec.x()) +
                R"(","y":")" + Base64UrlEncode(ec.y()) + "\"}";
  }
  thumbprint_ = Base64UrlEncode(crypto::Sha256(canonical));
}

PublicJwk PublicJwk::FromEd25519(const crypto::Ed25519PublicKey& key) { return PublicJwk(key); }
PublicJwk PublicJwk::FromP256(const crypto::P256PublicKey& key) { return PublicJwk(key); }

JwsAlgorithm PublicJwk::algorithm() const {
  return std::holds_alternative<crypto::Ed25519PublicKey>(key_) ? JwsAlgorithm::kEdDSA
                                                                : JwsAlgorithm::kES256;
}

nlohmann::json PublicJwk::ToJson() const {
  if (const auto* ed = ed25519()) {
    return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", Base64UrlEncode(ed->bytes())}};
  }
  const auto& ec = std::get<crypto::P256PublicKey>(key_);
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", Base64UrlEncode(ec.x())},
          {"y", Base64UrlEncode(ec.y())}};
}

const crypto::Ed25519PublicKey* PublicJwk::ed25519() const {
  return std::get_if<crypto::Ed25519PublicKey>(&key_);
}

const crypto::P256PublicKey* PublicJwk::p256() const {
  return std::get_if<crypto::P256PublicKey>(&key_);
}

}  // namespace notme::jose
